// `--output table`: a port of the aws CLI's TableFormatter and MultiTable (awscli/formatter.py, awscli/table.py), so
// that layouts, centring, column scaling (with Python's round-half-even) and the vertical fallback match byte for byte.
import { isObject, isScalar, pythonRound, pythonStr, sortedKeys, textWidth, type OutObject, type OutValue } from './values.js';

export interface TableOptions {
  /** Terminal width; wider tables turn single-row sections into `key | value` rows. */
  columns: number;
  color: boolean;
}

// The colorama sequences aws's ColorizedStyler uses (values bright blue, indentation bars dim yellow).
const RESET = '\x1b[0m';
const styleRow = (color: boolean, text: string) => (color ? `\x1b[1m\x1b[34m${text}${RESET}` : text);
const styleIndent = (color: boolean, text: string) => (color ? `\x1b[2m\x1b[33m${text}${RESET}` : text);

class Section {
  title = '';
  headers: string[] = [];
  rows: string[][] = [];
  indentLevel = 0;
  private maxWidths: number[] = [];

  addHeader(headers: string[]): void {
    this.updateMaxWidths(headers);
    this.headers = headers;
  }

  addRow(row: OutValue[]): void {
    const cells = row.map(pythonStr);
    this.rows.push(cells);
    this.updateMaxWidths(cells);
  }

  /** Column widths scaled to fill maxWidth exactly (aws's algorithm, including its off-by-one correction order). */
  columnWidths(padding: number, maxWidth?: number): number[] {
    const unscaled = this.maxWidths.map((w) => w + padding);
    if (maxWidth === undefined || unscaled.length === 0) return unscaled;
    const total = unscaled.reduce((a, b) => a + b, 0);
    const scaled = unscaled.map((w) => pythonRound((maxWidth / total) * w));
    let offBy = scaled.reduce((a, b) => a + b, 0) - maxWidth;
    while (offBy !== 0) {
      const order = scaled.map((_, i) => i);
      if (offBy < 0) order.reverse();
      for (const i of order) {
        if (offBy > 0) {
          scaled[i]!--;
          offBy--;
        } else {
          scaled[i]!++;
          offBy++;
        }
        if (offBy === 0) break;
      }
    }
    return scaled;
  }

  totalWidth(padding: number, outerPadding: number): number {
    const border = 2;
    let total = this.columnWidths(0).reduce((a, w) => a + w + padding, 0) + border + 2 * outerPadding;
    return Math.max(textWidth(this.title) + border + 2 * outerPadding, total);
  }

  private updateMaxWidths(row: string[]): void {
    if (this.maxWidths.length === 0) this.maxWidths = row.map(textWidth);
    else row.forEach((el, i) => (this.maxWidths[i] = Math.max(textWidth(el), this.maxWidths[i] ?? 0)));
  }
}

function centerText(text: string, length: number, left: string, right: string, textLength = textWidth(text)): string {
  const start = Math.floor(length / 2) - Math.floor(textLength / 2) - 1;
  const soFar = textWidth(left) + start + textLength;
  return left + ' '.repeat(Math.max(0, start)) + text + ' '.repeat(Math.max(0, length - textWidth(right) - soFar)) + right;
}

function alignLeft(text: string, length: number, left: string, right: string, textLength: number): string {
  const padding = length - (textLength + 2 + textWidth(left) + textWidth(right)) >= 0 ? 2 : 0;
  const soFar = left.length + padding + textLength;
  return left + ' '.repeat(padding) + text + ' '.repeat(Math.max(0, length - soFar - right.length)) + right;
}

class MultiTable {
  sections: Section[] = [];
  private current: Section | undefined;

  constructor(private readonly options: TableOptions) {}

  newSection(title: string, indentLevel: number): void {
    this.current = new Section();
    this.current.title = title;
    this.current.indentLevel = indentLevel;
    this.sections.push(this.current);
  }

  addRowHeader(headers: string[]): void {
    this.current!.addHeader(headers);
  }

  addRow(row: OutValue[]): void {
    this.current!.addRow(row);
  }

  render(): string {
    let maxWidth = this.maxWidth();
    if (maxWidth > this.options.columns) {
      this.convertToVertical();
      maxWidth = this.maxWidth();
    }
    const out: string[] = ['-'.repeat(maxWidth) + '\n'];
    for (const section of this.sections) this.renderSection(section, maxWidth, out);
    return out.join('');
  }

  private maxWidth(): number {
    return Math.max(...this.sections.map((s) => s.totalWidth(4, s.indentLevel)));
  }

  /** Single-row sections become one `header | value` row per column when the table is wider than the terminal. */
  private convertToVertical(): void {
    this.sections = this.sections.map((section) => {
      if (section.rows.length !== 1 || section.headers.length === 0) return section;
      const vertical = new Section();
      vertical.title = section.title;
      vertical.indentLevel = section.indentLevel;
      section.headers.forEach((header, i) => vertical.addRow([header, section.rows[0]![i] ?? '']));
      return vertical;
    });
  }

  private renderSection(section: Section, maxWidth: number, out: string[]): void {
    const bar = styleIndent(this.options.color, '|');
    const level = section.indentLevel;
    // aws's IndentedStream: every complete line gets the indentation bars on both sides.
    const line = (text: string) => out.push(bar.repeat(level) + text + bar.repeat(level) + '\n');
    const width = maxWidth - level * 2;
    if (section.title) {
      line(centerText(section.title, width, '|', '|'));
      if (section.headers.length === 0 && section.rows.length === 0) line(`+${'-'.repeat(width - 2)}+`);
    }
    if (section.headers.length > 0) {
      const widths = section.columnWidths(4, width);
      line(lineBreak(widths));
      line(section.headers.map((h, i) => centerText(h, widths[i]!, i === 0 ? '|' : '', '|')).join(''));
    }
    if (section.rows.length > 0) {
      const widths = section.columnWidths(4, width);
      if (widths.length === 0) return;
      line(lineBreak(widths));
      for (const row of section.rows) {
        const cells = widths.map((w, i) => {
          const text = row[i] ?? '';
          return alignLeft(styleRow(this.options.color, text), w, i === 0 ? '|' : '', '|', textWidth(text));
        });
        line(cells.join(''));
      }
      line(lineBreak(widths));
    }
  }
}

function lineBreak(widths: number[]): string {
  return widths.map((w, i) => (i === 0 ? `+${'-'.repeat(w - 2)}+` : `${'-'.repeat(w - 1)}+`)).join('');
}

/** The table for a (queried) response; '' when aws prints nothing (empty or falsy results). */
export function renderTable(title: string, value: OutValue, options: TableOptions): string {
  const table = new MultiTable(options);
  return buildTable(table, title, value, 0) ? table.render() : '';
}

// Python truthiness: aws skips empty containers, '', 0, false and null.
function truthy(value: OutValue): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return value !== null && value !== '' && value !== 0 && value !== false;
}

function buildTable(table: MultiTable, title: string | undefined, current: OutValue, indentLevel: number): boolean {
  if (!truthy(current)) return false;
  if (title !== undefined) table.newSection(title, indentLevel);
  if (Array.isArray(current)) {
    if (isObject(current[0])) {
      subTableFromList(table, current as OutObject[], indentLevel, title);
    } else {
      for (const item of current) {
        if (isScalar(item)) table.addRow([item]);
        else if (Array.isArray(item) && item.every(isScalar)) table.addRow(item);
        else buildTable(table, undefined, item, 0);
      }
    }
  }
  if (isObject(current)) subTableFromDict(table, current, indentLevel);
  return true;
}

function subTableFromDict(table: MultiTable, current: OutObject, indentLevel: number): void {
  const [headers, more] = groupScalarKeys(current);
  if (headers.length === 1) table.addRow([headers[0]!, current[headers[0]!]!]);
  else if (headers.length > 0) {
    table.addRowHeader(headers);
    table.addRow(headers.map((k) => current[k]!));
  }
  for (const key of more) buildTable(table, key, current[key]!, indentLevel + 1);
}

function subTableFromList(table: MultiTable, current: OutObject[], indentLevel: number, title: string | undefined): void {
  const headerSet = new Set<string>();
  const moreSet = new Set<string>();
  for (const item of current) {
    const [h, m] = groupScalarKeys(isObject(item) ? item : {});
    h.forEach((k) => headerSet.add(k));
    m.forEach((k) => moreSet.add(k));
  }
  const headers = sortedKeys(headerSet);
  const more = sortedKeys(moreSet);
  table.addRowHeader(headers);
  current.forEach((element, index) => {
    // Elements with nested members repeat the section (title and headers) so their sub-sections follow their row.
    if (index > 0 && more.length > 0) {
      table.newSection(title ?? '', indentLevel);
      table.addRowHeader(headers);
    }
    table.addRow(headers.map((h) => (h in element ? element[h]! : '')));
    for (const key of more) if (key in element) buildTable(table, key, element[key]!, indentLevel + 1);
  });
}

function groupScalarKeys(current: OutObject): [string[], string[]] {
  const headers: string[] = [];
  const more: string[] = [];
  for (const [key, value] of Object.entries(current)) (isScalar(value) ? headers : more).push(key);
  return [sortedKeys(headers), sortedKeys(more)];
}
