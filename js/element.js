// <xsell-recommendations>: a custom element around Engine.mount. It renders
// into its own shadow root, so shop CSS cannot reach in (theme it with the
// --xsell-* custom properties and ::part()), and it never throws into the
// page: on failure it renders nothing.

const ATTRIBUTES = ['placement', 'page', 'item', 'slots', 'heading', 'autoplay'];

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
      } catch {
        return;
      }
      if (generation !== this.#generation || !this.isConnected) return;
      this.#release();
      try {
        this.#carousel = e.mount(this, this.#options());
      } catch (err) {
        console.warn(String(err?.message ?? err));
        return;
      }
      // A placement that waits for time on the page (minDwellMs) asks again.
      const wait = this.#carousel.retryAfterMs;
      if (wait !== undefined && wait !== null) {
        setTimeout(() => {
          if (generation === this.#generation && this.isConnected) this.refresh();
        }, Math.max(wait, 50));
      }
      this.dispatchEvent(new CustomEvent('xsell-render', { detail: { count: this.count } }));
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
