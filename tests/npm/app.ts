// A consumer's TypeScript: compiled with --noEmit against the packed
// package, so the exports map and the types are what a user gets.
import { load, start, defineElement, initWasm, Engine, type Slate, type Card } from 'xsell';

export async function widget(): Promise<number> {
  const engine: Engine = await load({ model: '/model.xsm', endpoint: '/v1/reports', epsilon: 1 });
  engine.track('add_to_cart', { items: [{ item_id: '24852' }] });
  const slate = engine.recommend({ placement: 'cart', slots: 4 }) as Slate;
  const first: Card | undefined = slate.items[0];
  defineElement(engine);
  void start;
  void initWasm;
  return first ? first.title.length : 0;
}
