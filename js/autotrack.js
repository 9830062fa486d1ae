// Tracking without code for script-tag shops: GA4 e-commerce events found
// on the page are passed to the engine.
//   - a JSON-LD Product (sku or productID) or an element with
//     data-xsell-item="ID"   -> view_item
//   - clicks on [data-xsell-add-to-cart="ID"] -> add_to_cart
//   - GA4 events pushed to window.dataLayer (dataLayer.push or gtag)
//     -> the same event names
// Use one source per event: a shop that pushes add_to_cart to dataLayer
// should not also mark its buttons.

const EVENTS = new Set(['view_item', 'add_to_cart', 'remove_from_cart', 'purchase', 'select_item']);

function products(node, out) {
  if (Array.isArray(node)) {
    node.forEach((n) => products(n, out));
  } else if (node && typeof node === 'object') {
    const type = [].concat(node['@type'] ?? []);
    if (type.includes('Product')) {
      const id = node.sku ?? node.productID;
      if (id !== undefined) out.push(String(id));
    }
    if (node['@graph']) products(node['@graph'], out);
  }
  return out;
}

/** Ids of the products this page is about. */
export function pageProducts(doc = document) {
  const ids = [];
  for (const s of doc.querySelectorAll('script[type="application/ld+json"]')) {
    try {
      products(JSON.parse(s.textContent), ids);
    } catch {
      // someone else's broken JSON-LD is not our error
    }
  }
  for (const el of doc.querySelectorAll('[data-xsell-item]')) {
    ids.push(el.getAttribute('data-xsell-item'));
  }
  return [...new Set(ids.filter(Boolean))];
}

function ga4(engine, name, params) {
  if (!EVENTS.has(name) || !params) return;
  const ecommerce = params.ecommerce ?? params;
  try {
    engine.track(name, ecommerce);
  } catch (e) {
    console.warn(String(e?.message ?? e));
  }
}

/**
 * Starts automatic tracking on `doc`; returns a function that stops it.
 */
export function autoTrack(engine, doc = document) {
  for (const id of pageProducts(doc)) ga4(engine, 'view_item', { items: [{ item_id: id }] });

  const onClick = (e) => {
    const el = e.target instanceof Element ? e.target.closest('[data-xsell-add-to-cart]') : null;
    if (el) ga4(engine, 'add_to_cart', { items: [{ item_id: el.getAttribute('data-xsell-add-to-cart') }] });
  };
  doc.addEventListener('click', onClick, true);

  const win = doc.defaultView;
  const layer = win ? (win.dataLayer ??= []) : null;
  const seen = (entry) => {
    if (entry && typeof entry === 'object' && typeof entry.event === 'string') {
      ga4(engine, entry.event, entry);
    } else if (entry && entry[0] === 'event' && typeof entry[1] === 'string') {
      ga4(engine, entry[1], entry[2]); // gtag('event', name, params)
    }
  };
  let original = null;
  if (layer) {
    layer.forEach(seen);
    original = layer.push;
    layer.push = function (...entries) {
      entries.forEach(seen);
      return original.apply(this, entries);
    };
  }
  return () => {
    doc.removeEventListener('click', onClick, true);
    if (layer && original) layer.push = original;
  };
}
