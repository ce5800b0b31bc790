/**
 * @atlas/browser-test: run bundled test code in headless Chromium (Node side). The page side is
 * `@atlas/browser-test/page` (`expose`, `loaded`).
 */
export { bundleForBrowser, tfjsCoreCopies, DEFAULT_STUBS, type BundleOptions } from "./bundle.js";
export { openPage, findChromium, CHROMIUM_ARGS, type BrowserPage, type OpenPageOptions } from "./chromium.js";
export { tfjsWasmFiles } from "./files.js";
