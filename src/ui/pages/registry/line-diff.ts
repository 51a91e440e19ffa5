// A line diff of two texts (the pretty-printed documents of two policy versions): the longest common subsequence of
// their lines, after their common first and last lines are set aside. The work is bounded whatever the input: past
// MAX_LINES lines on either side there is no diff at all (the page shows both texts side by side instead), so the
// table is at most MAX_LINES² cells of two bytes.

export type DiffLine = { kind: 'same' | 'add' | 'del'; text: string; oldNumber?: number; newNumber?: number };

/** The most lines either side may have for a diff to be computed. */
export const MAX_LINES = 2000;

/** The lines of `before` and `after` in order, each kept, added or removed; undefined when either is too long. */
export function lineDiff(before: string[], after: string[]): DiffLine[] | undefined {
  if (before.length > MAX_LINES || after.length > MAX_LINES) return undefined;
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endA = before.length;
  let endB = after.length;
  while (endA > start && endB > start && before[endA - 1] === after[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  // lcs[i * (m + 1) + j]: the length of the longest common subsequence of the middles' suffixes from i and j.
  const width = m + 1;
  const lcs = new Uint16Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        before[start + i] === after[start + j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  const same = (a: number, b: number) => out.push({ kind: 'same', text: before[a]!, oldNumber: a + 1, newNumber: b + 1 });
  for (let k = 0; k < start; k++) same(k, k);
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[start + i] === after[start + j]) {
      same(start + i, start + j);
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      out.push({ kind: 'del', text: before[start + i]!, oldNumber: start + i + 1 });
      i++;
    } else {
      out.push({ kind: 'add', text: after[start + j]!, newNumber: start + j + 1 });
      j++;
    }
  }
  for (let k = 0; k < before.length - endA; k++) same(endA + k, endB + k);
  return out;
}
