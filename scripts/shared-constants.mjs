// The constants both sides use: the enums of assembly/shared.ts, read as the TypeScript side
// needs them. Used by scripts/embed-wasm.mjs (which writes them into
// src/wasm/kernels.generated.ts) and by the test that checks the generated file is current.

/**
 * The `export enum Name { Member = value, ... }` declarations of an AssemblyScript source, in
 * order, with the doc comment before each enum and member: [{ name, doc, members: [{ name, value, doc }] }].
 */
export function parseEnums(source) {
  const enums = [];
  const pattern = /(\/\*\*(?:[^*]|\*(?!\/))*\*\/\s*)?export enum (\w+) \{([^}]*)\}/g;
  for (const [, doc, name, body] of source.matchAll(pattern)) {
    const members = [];
    for (const [, memberDoc, member, value] of body.matchAll(/(\/\*\*(?:[^*]|\*(?!\/))*\*\/\s*)?(\w+) = (-?\d+),/g)) {
      members.push({ name: member, value: Number(value), doc: memberDoc?.trim() });
    }
    enums.push({ name, doc: doc?.trim(), members });
  }
  return enums;
}

/** TypeScript for the enums: a const object and a type of its values, per enum. */
export function renderEnums(enums) {
  return enums
    .map(({ name, doc, members }) => {
      const body = members.map((m) => `${m.doc ? `  ${m.doc}\n` : ''}  ${m.name}: ${m.value},`).join('\n');
      return `${doc ? `${doc}\n` : ''}export const ${name} = {\n${body}\n} as const;\nexport type ${name} = (typeof ${name})[keyof typeof ${name}];\n`;
    })
    .join('\n');
}

/**
 * The kernel functions asc declares in its bindings (`--bindings raw`: build/kernels.d.ts) as
 * the members of an interface: `name(params): number;`.
 */
export function parseExports(declarations) {
  return [...declarations.matchAll(/export function (\w+)\(([^)]*)\): (\w+);/g)].map(([, name, params, result]) => ({ name, params, result }));
}
