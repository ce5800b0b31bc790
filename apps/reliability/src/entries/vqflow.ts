import type { PackageEntries } from "../entry.js";

const pe: PackageEntries<object> = { pkg: "vqflow", fixtures: async () => ({}), entries: [], exempt: {} };
export default pe;
