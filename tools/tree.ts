import type { RecordedResource } from "./harness.ts";

/**
 * Renders resources as `pulumi preview` does: one line per resource with its type and name, indented under its
 * parent, then a count by type.
 */
export function renderTree(resources: RecordedResource[]): string {
  const byParent = new Map<string | undefined, RecordedResource[]>();
  const urns = new Set(resources.map((r) => r.urn));
  for (const r of resources) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
    byParent.set(parent, [...(byParent.get(parent) ?? []), r]);
  }
  const rows: [string, string][] = [];
  const walk = (parent: string | undefined, prefix: string) => {
    const children = byParent.get(parent) ?? [];
    children.forEach((r, i) => {
      const last = i === children.length - 1;
      const branch = parent === undefined ? "" : last ? "└─ " : "├─ ";
      rows.push([`${prefix}${branch}${r.type}`, r.name]);
      walk(r.urn, parent === undefined ? prefix : prefix + (last ? "   " : "│  "));
    });
  };
  walk(undefined, "");
  const typeWidth = Math.max("Type".length, ...rows.map(([t]) => [...t].length)) + 2;
  const nameWidth = Math.max("Name".length, ...rows.map(([, n]) => n.length)) + 2;
  const pad = (s: string, w: number) => s + " ".repeat(Math.max(0, w - [...s].length));
  const lines = [`     ${pad("Type", typeWidth)}${pad("Name", nameWidth)}Plan`];
  for (const [type, name] of rows) lines.push(` +   ${pad(type, typeWidth)}${pad(name, nameWidth)}create`);
  return lines.join("\n");
}

export function countByType(resources: RecordedResource[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
