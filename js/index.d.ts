// Types of the xsell npm package. The Engine class and its methods are
// generated from the Rust doc comments (xsell.d.ts).
import { Engine } from './xsell.js';
export { Engine } from './xsell.js';

/** Options of {@link load} and {@link start}. */
export interface LoadOptions {
  /** URL of the model file, e.g. "/model.xsm". */
  model: string;
  /** URL of xsell_bg.wasm, when it is not beside this module. */
  wasm?: string;
  /** Where noised reports go, e.g. "/v1/reports". No endpoint, no reports. */
  endpoint?: string;
  /** Reporting consent (default: as remembered on the device, else true). GPC and DNT always stop reporting. */
  consent?: boolean;
  /** Daily privacy budget ε, in (0, 2]; default 2. */
  epsilon?: number;
  /** Put before prices; default "$". */
  currencySymbol?: string;
  /** Prefix of the localStorage keys; default "xsell". */
  storagePrefix?: string;
  /** Accept images only from the page's own origin. */
  sameOriginImages?: boolean;
  /** Accept images only from these hosts (`cdn.shop.example`, `img.example:8443`; `self` for relative URLs). */
  imageHosts?: string[];
  /** URL of the placement configs (e.g. "/placements.json"), fetched before the engine starts. */
  config?: string;
  /** The placement configs themselves (see docs/placement-config.md). */
  placements?: PlacementsConfig;
  /** The experiments: a URL (e.g. "/experiments.json") or the file's JSON (see docs/experiments.md). */
  experiments?: string | ExperimentsConfig;
  /** Days after its first touch a journey ends without a purchase (1-90; default 30). */
  journeyWindowDays?: number;
}

/** One arm of an experiment. */
export interface ArmConfig {
  name: string;
  weight: number;
  kind?: 'config' | 'legacy' | 'holdout';
  config?: PlacementConfig;
}

/** The experiment file. */
export interface ExperimentsConfig {
  v: 1;
  experiments: Array<{ name: string; placement: string; start: string; end: string; arms: ArmConfig[] }>;
}

/** One placement's settings (all optional). Item ids are the shop's own. */
export interface PlacementConfig {
  pages?: Array<'product' | 'cart' | 'checkout' | 'home'>;
  slots?: number;
  minCartItems?: number;
  minDwellMs?: number;
  candidates?: number;
  pinned?: Array<{ id: string; slot: number }>;
  blocked?: string[];
  priceBand?: [number, number];
  substituteFactor?: number;
  valueWeight?: number;
  theta?: number;
  fatigue?: Record<string, number>;
  layout?: 'carousel' | 'grid';
  heading?: string;
}

/** The placement configs: a default and named placements. */
export interface PlacementsConfig {
  v: 1;
  default?: PlacementConfig;
  placements?: Record<string, PlacementConfig>;
}

/** Options of {@link start}. */
export interface StartOptions extends LoadOptions {
  /** Track GA4 events found on the page (JSON-LD, data attributes, dataLayer); default true. */
  autoTrack?: boolean;
  /** Name of the custom element; default "xsell-recommendations". */
  elementName?: string;
}

/** A card of a slate, as returned by Engine.recommend. */
export interface Card {
  id: string;
  /** Plain text: set it as text, never as HTML. */
  title: string;
  /** http(s) URL of the product page, or null. */
  url: string | null;
  /** http(s) URL of the image, or null. */
  image: string | null;
  price: number | null;
  priceText: string | null;
  /** Why it is recommended, e.g. "Often bought with Bananas". */
  reason: string;
  category: string | null;
}

/** What Engine.recommend returns. */
export interface Slate {
  placement: string;
  /** "show", "backed_off", "wrong_page", "cart_too_small", "cooling_down", "session_cap", "no_candidates", ... */
  reason: string;
  /** Heading copy (the placement config's, else "You may also like"). */
  heading: string;
  layout: 'carousel' | 'grid';
  /** The experiment this placement runs today and this device's arm, if any. */
  experiment?: string;
  arm?: string;
  /** Set when the placement waits for time on the page (minDwellMs): ask again after this many ms. */
  retryAfterMs?: number;
  /** Empty: show nothing. */
  items: Card[];
}

/** What Engine.recommend and Engine.mount take. */
export interface SlateRequest {
  /** Placement name, [a-z0-9_-]{1,32}; default "cart". */
  placement?: string;
  /** "product" | "cart" | "checkout" | "home"; default: the placement name if it is one. */
  page?: 'product' | 'cart' | 'checkout' | 'home';
  /** The product on this page. */
  item?: string;
  /** Cards wanted, 1..24; default 8. */
  slots?: number;
  dwellMs?: number;
}

/** Instantiates the wasm module once: from a URL, or from its bytes (Node, workers). */
export function initWasm(wasm?: string | URL | BufferSource | WebAssembly.Module): Promise<unknown>;

/** Instantiates the wasm module (once) and loads the model. */
export function load(options: LoadOptions): Promise<Engine>;

/** load + defineElement + autoTrack + reports on page hide. Failures are logged once. */
export function start(options: StartOptions): Promise<Engine>;

/** Defines <xsell-recommendations placement="cart" item="SKU" slots="8" heading="..." autoplay>. */
export function defineElement(engine: Engine | Promise<Engine>, name?: string): CustomElementConstructor;

/** Tracks GA4 events found on the page; returns a function that stops it. */
export function autoTrack(engine: Engine, doc?: Document): () => void;

/** Event listeners attached by mounted carousels (0 when none is mounted). */
export function liveListeners(): number;
