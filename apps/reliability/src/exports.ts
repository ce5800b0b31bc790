/**
 * Every runtime export of every package, enumerated from the modules themselves: functions,
 * classes (the constructor), their prototype methods and getters, and their static methods. The
 * harness test compares this list with the entries, so a new export without a harness entry (or an
 * explicit exemption with a reason) fails CI.
 */
export function exportedIds(pkg: string, mod: Record<string, unknown>): string[] {
  const ids: string[] = [];
  for (const [name, value] of Object.entries(mod)) {
    if (typeof value !== "function") continue; // constants and frozen tables take no input
    ids.push(`${pkg}.${name}`);
    const src = Function.prototype.toString.call(value);
    if (!/^class[\s{]/.test(src)) continue;
    const cls = value as unknown as { prototype: object } & Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(cls.prototype)) {
      if (key === "constructor") continue;
      ids.push(`${pkg}.${name}#${key}`);
    }
    for (const key of Object.getOwnPropertyNames(cls)) {
      if (["length", "name", "prototype"].includes(key)) continue;
      if (typeof cls[key] === "function") ids.push(`${pkg}.${name}.${key}`);
    }
  }
  return ids.sort();
}

/** An entry id without its variant suffix: `gtn.GTN#map (tensor)` → `gtn.GTN#map`. */
export function baseId(id: string): string {
  return id.replace(/\s*\(.*\)$/, "");
}
