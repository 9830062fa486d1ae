// <xsell-recommendations>: a custom element around Engine.mount. It renders
// into its own shadow root, so shop CSS cannot reach in (theme it with the
// --xsell-* custom properties and ::part()), and it never throws into the
// page: on failure it renders nothing.

const ATTRIBUTES = ['placement', 'page', 'item', 'slots', 'heading', 'autoplay'];

// A task of its own for each render: the engine's load, the page's other
// work and each widget's render never add up to one long task, and a click
// that changes the cart paints before the widgets re-render (INP).
export const nextTask = () =>
  globalThis.scheduler?.yield ? globalThis.scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Defines the element (once per name). `engine` is an Engine or a promise of
 * one; until it resolves the element is empty.
 */
export function defineElement(engine, name = 'xsell-recommendations') {
  const existing = customElements.get(name);
  if (existing) return existing;
  const engineReady = Promise.resolve(engine);
  engineReady.catch(() => {}); // the loader logs the failure once

  class XsellRecommendations extends HTMLElement {
    static observedAttributes = ATTRIBUTES;
    #carousel = null;
    #generation = 0;

    connectedCallback() {
      this.refresh();
    }

    disconnectedCallback() {
      this.#generation++;
      this.#release();
    }

    attributeChangedCallback(_name, before, after) {
      if (before !== after && this.isConnected) this.refresh();
    }

    /** Cards currently shown. */
    get count() {
      return this.#carousel ? this.#carousel.count : 0;
    }

    /** Recomputes the slate (e.g. after the cart changed). */
    async refresh() {
      const generation = ++this.#generation;
      let e;
      try {
        e = await engineReady;
        await nextTask();
      } catch {
        return;
      }
      if (generation !== this.#generation || !this.isConnected) return;
      // Scoring and drawing in tasks of their own; what is shown stays
      // until the new cards replace it.
      let prepared;
      try {
        prepared = e.prepare(this.#options());
      } catch (err) {
        console.warn(String(err?.message ?? err));
        return;
      }
      await nextTask();
      if (generation !== this.#generation || !this.isConnected) {
        prepared.free();
        return;
      }
      const kept = this.#keep();
      this.#release();
      try {
        this.#carousel = e.mountPrepared(this, prepared);
      } catch (err) {
        console.warn(String(err?.message ?? err));
        return;
      }
      this.#restore(kept);
      // A placement that waits for time on the page (minDwellMs) asks again.
      const wait = this.#carousel.retryAfterMs;
      if (wait !== undefined && wait !== null) {
        setTimeout(() => {
          if (generation === this.#generation && this.isConnected) this.refresh();
        }, Math.max(wait, 50));
      }
      this.dispatchEvent(new CustomEvent('xsell-render', { detail: { count: this.count } }));
    }

    // A refresh (the cart changed, often from this very carousel) renders
    // anew: the shopper keeps their place — the track's scroll and the
    // focus, on the same card's same button, else the card now at that
    // position — so focus never falls to the page's body.
    #keep() {
      const root = this.shadowRoot;
      const scroll = root?.querySelector('ul')?.scrollLeft ?? 0;
      const active = root?.activeElement;
      if (!active) return { scroll };
      const card = active.closest('li[data-id]');
      const cards = [...root.querySelectorAll('li[data-id]')];
      return { scroll, focus: true, id: card?.dataset.id, act: active.dataset?.act, pos: Math.max(0, cards.indexOf(card)) };
    }

    #restore(kept) {
      const root = this.shadowRoot;
      if (!root) return;
      const track = root.querySelector('ul');
      if (track && kept.scroll) track.scrollLeft = kept.scroll;
      if (!kept.focus) return;
      const cards = [...root.querySelectorAll('li[data-id]')];
      const same = cards.find((c) => c.dataset.id === kept.id);
      const card = same ?? cards[Math.min(kept.pos, cards.length - 1)];
      if (!card) return;
      for (const c of cards) c.tabIndex = c === card ? 0 : -1;
      const button = same && kept.act ? same.querySelector(`[data-act="${kept.act}"]`) : null;
      (button ?? card).focus({ preventScroll: true });
    }

    #release() {
      if (this.#carousel) {
        this.#carousel.free();
        this.#carousel = null;
      }
    }

    #options() {
      const a = (k) => this.getAttribute(k) ?? undefined;
      const slots = a('slots');
      return {
        placement: a('placement') ?? 'cart',
        page: a('page'),
        item: a('item'),
        heading: a('heading'),
        slots: slots === undefined ? undefined : Number.parseInt(slots, 10),
        // Time on this page so far (the trigger's minDwellMs).
        dwellMs: Math.round(performance.now()),
        autoplay: this.hasAttribute('autoplay'),
      };
    }
  }

  customElements.define(name, XsellRecommendations);
  return XsellRecommendations;
}
