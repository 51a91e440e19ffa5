// Reading a large table a page at a time: a check over every device certificate of a million-device fleet holds one
// page of rows, not the table (docs/benchmarks.md, "Audit of 1,000,000 certificates"). Keyset pages (after the last
// key seen), so each page is an index range and the whole read stays linear.

/** Rows per page: large enough that round trips do not matter, small enough that a page is a few MiB. */
export const PAGE_ROWS = 5000;

/**
 * Yields the pages `read(after, limit)` answers, each read after the last `certificate_id` of the page before, until
 * one comes back short. `read` must order by certificate_id and keep only ids greater than `after` when it is given.
 */
export async function* certificatePages<Row extends { certificate_id: string }>(
  read: (after: string | undefined, limit: number) => Promise<Row[]>,
): AsyncGenerator<Row[]> {
  let after: string | undefined;
  for (;;) {
    const page = await read(after, PAGE_ROWS);
    if (page.length) yield page;
    if (page.length < PAGE_ROWS) return;
    after = page[page.length - 1]!.certificate_id;
  }
}
