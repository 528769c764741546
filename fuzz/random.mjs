// The seeded generators of the fuzz plans (cases.mjs, dicomweb.mjs): the same (seed, family,
// index) always gives the same sequence, in the runner and in the child.

export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The generator of one case: the same (seed, family, index) always gives the same plan. */
export function caseRandom(seed, family, index) {
  return mulberry32(hashString(`${seed}/${family}/${index}`));
}

export const int = (rand, n) => Math.floor(rand() * n);
export const pick = (rand, list) => list[int(rand, list.length)];
export function weighted(rand, table) {
  let total = 0;
  for (const [, w] of table) total += w;
  let r = rand() * total;
  for (const [value, w] of table) if ((r -= w) < 0) return value;
  return table[table.length - 1][0];
}
