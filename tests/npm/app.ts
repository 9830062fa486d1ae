// A consumer's TypeScript: compiled with --noEmit against the packed
// package, so the exports map and the types are what a user gets.
import { load, start, defineElement, initWasm, Engine, type Slate, type Card, type PlacementsConfig } from 'xsell';

export async function widget(): Promise<number> {
  const placements: PlacementsConfig = {
    v: 1,
    placements: { cart: { slots: 4, minCartItems: 1, pinned: [{ id: '24852', slot: 0 }], layout: 'grid' } },
  };
  const engine: Engine = await load({ model: '/model.xsm', endpoint: '/v1/reports', epsilon: 1, placements });
  await load({ model: '/model.xsm', config: '/placements.json' });
  engine.track('add_to_cart', { items: [{ item_id: '24852' }] });
  const slate = engine.recommend({ placement: 'cart', slots: 4 }) as Slate;
  const first: Card | undefined = slate.items[0];
  defineElement(engine);
  void start;
  void initWasm;
  const heading: string = slate.heading;
  return first ? first.title.length + heading.length : 0;
}
