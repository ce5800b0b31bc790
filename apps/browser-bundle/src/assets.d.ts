// Asset imports as the two bundlers give them: a URL string.
declare module "*.wasm" {
  const url: string;
  export default url;
}
declare module "*?url" {
  const url: string;
  export default url;
}
