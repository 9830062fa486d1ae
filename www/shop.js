// The demo shop's own code, as any shop has: its cart (in localStorage),
// the cart and checkout pages, GA4 e-commerce events on window.dataLayer
// (which the widget picks up by itself), and the statistics consent switch.
(() => {
  'use strict';
  const KEY = 'demo-shop-cart';
  const dataLayer = (window.dataLayer = window.dataLayer || []);
  const $ = (id) => document.getElementById(id);
  const load = () => {
    try {
      const c = JSON.parse(localStorage.getItem(KEY));
      return Array.isArray(c) ? c.filter((x) => typeof x === 'string') : [];
    } catch {
      return [];
    }
  };
  const save = (cart) => {
    try {
      localStorage.setItem(KEY, JSON.stringify(cart));
    } catch {
      /* a full storage only costs the demo its cart */
    }
  };
  // The one price formatter, as xsell_core::shopper::format_price writes
  // prices on the server: `$3.99` from 399 cents.
  const money = (cents) => `$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  // The widget's URL policy for the shop's own links: catalogue URLs are
  // data, so only http(s) and same-origin relative URLs become an href
  // (no javascript:, data:, java\tscript: or /\host tricks). The server
  // applies xsell_core::shopper::safe_url already; this holds even if a
  // row comes from elsewhere.
  const safeHref = (raw) => {
    if (typeof raw !== 'string') return null;
    // As the Rust check: trim C0 controls and spaces, then refuse any
    // control character or backslash left inside.
    const u = raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
    if (!u || u.length > 2048 || /[\u0000-\u001f\u007f\\]/.test(u)) return null;
    try {
      const url = new URL(u, location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  };

  function showCount() {
    const el = $('cart-count');
    if (el) el.textContent = String(load().length);
  }
  function refreshWidgets() {
    for (const w of document.querySelectorAll('xsell-recommendations')) w.refresh?.();
  }
  function add(id) {
    const cart = load();
    if (!cart.includes(id)) cart.push(id);
    save(cart);
    showCount();
    refreshWidgets();
    renderCart();
  }
  function remove(id) {
    save(load().filter((x) => x !== id));
    dataLayer.push({ event: 'remove_from_cart', ecommerce: { items: [{ item_id: id }] } });
    showCount();
    renderCart();
    refreshWidgets();
  }
  async function products(ids) {
    if (!ids.length) return [];
    const r = await fetch(`/api/items?ids=${ids.map(encodeURIComponent).join(',')}`);
    return r.ok ? r.json() : [];
  }
  function line(p, withRemove) {
    const li = document.createElement('li');
    const href = safeHref(p.url);
    // An unsafe URL costs the line its link, never its title.
    const name = document.createElement(href ? 'a' : 'span');
    if (href) name.href = href;
    name.textContent = p.title;
    const price = document.createElement('span');
    price.className = 'price';
    price.textContent = p.price_cents == null ? '' : money(p.price_cents);
    li.append(name, ' ', price);
    if (withRemove) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Remove';
      b.setAttribute('aria-label', `Remove ${p.title}`);
      b.addEventListener('click', () => remove(p.id));
      li.append(' ', b);
    }
    return li;
  }
  async function renderCart() {
    const box = $('cart-items') || $('checkout-summary');
    if (!box) return;
    const items = await products(load());
    box.replaceChildren();
    if (!items.length) {
      const p = document.createElement('p');
      p.textContent = 'Your cart is empty.';
      box.append(p);
      return;
    }
    const ul = document.createElement('ul');
    ul.className = 'lines';
    for (const p of items) ul.append(line(p, Boolean($('cart-items'))));
    const total = document.createElement('p');
    total.className = 'total';
    total.textContent = `Total: ${money(items.reduce((s, p) => s + (p.price_cents || 0), 0))}`;
    box.append(ul, total);
  }
  async function placeOrder() {
    const items = await products(load());
    if (!items.length) return;
    const value = items.reduce((s, p) => s + (p.price_cents || 0), 0) / 100;
    dataLayer.push({
      event: 'purchase',
      ecommerce: { currency: 'USD', value, items: items.map((p) => ({ item_id: p.id })) },
    });
    save([]);
    showCount();
    renderCart();
    $('order-done').textContent = `Thank you! Your order of ${items.length} items is placed.`;
    refreshWidgets();
  }

  document.addEventListener('click', (e) => {
    const b = e.target instanceof Element ? e.target.closest('[data-add]') : null;
    if (b) {
      add(b.getAttribute('data-add'));
      b.textContent = 'Added ✓';
    }
  });
  // Adds from a carousel: the widget has tracked them; the shop adds to its cart.
  document.addEventListener('xsell-add-to-cart', (e) => add(e.detail.id));
  document.addEventListener('DOMContentLoaded', () => {
    showCount();
    renderCart();
    $('place-order')?.addEventListener('click', placeOrder);
    // The optional survey: the answer is counted on the device and leaves
    // it only noised, in the checkout placement's report.
    $('relevance')?.addEventListener('click', (e) => {
      const b = e.target instanceof Element ? e.target.closest('[data-relevance]') : null;
      if (!b) return;
      const answer = Number(b.getAttribute('data-relevance'));
      window.xsell?.ready?.then((engine) => {
        engine.recordRelevance('checkout', answer);
        $('relevance-thanks').textContent = 'Thank you.';
      }, () => {});
    });
    const consent = $('consent');
    if (consent) {
      consent.checked = localStorage.getItem('xsell:consent') !== '0';
      consent.addEventListener('change', () => {
        window.xsell?.ready?.then((engine) => engine.setConsent(consent.checked));
      });
    }
  });
})();
