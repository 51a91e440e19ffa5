// Matches METHOD + path against the model's URI templates. The path is split on "/" before
// percent-decoding, each {label} takes exactly one segment, greedy {label+} takes the rest, and literal segments win
// over labels when several templates match.
import { MODEL } from '../model/model.js';
import { ApiError, invalidRequest } from '../kernel/errors.js';

interface Template {
  operation: string;
  method: string;
  segments: { literal?: string; label?: string; greedy?: boolean }[];
  literalCount: number;
}

export interface RouteMatch {
  operation: string;
  /** Decoded URI label values, keyed by the label name of the template. */
  labels: Record<string, string>;
}

function compile(operation: string, method: string, uri: string): Template {
  const path = uri.split('?')[0]!;
  const segments = path
    .split('/')
    .slice(1)
    .map((seg) => {
      const label = /^\{([^}+]+)(\+)?\}$/.exec(seg);
      return label ? { label: label[1]!, greedy: label[2] === '+' } : { literal: seg };
    });
  return { operation, method, segments, literalCount: segments.filter((s) => s.literal !== undefined).length };
}

const TEMPLATES: Template[] = Object.entries(MODEL.operations).map(([name, op]) =>
  compile(name, op.http.method, op.http.requestUri),
);

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidRequest(`The path segment '${raw}' is not valid percent-encoded UTF-8`);
  }
}

function matchTemplate(t: Template, rawSegments: string[]): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  for (let i = 0; i < t.segments.length; i++) {
    const seg = t.segments[i]!;
    if (seg.greedy) {
      if (i >= rawSegments.length) return undefined;
      labels[seg.label!] = rawSegments.slice(i).map(decodeSegment).join('/');
      return labels;
    }
    const raw = rawSegments[i];
    if (raw === undefined) return undefined;
    if (seg.literal !== undefined) {
      if (seg.literal !== raw) return undefined;
    } else {
      labels[seg.label!] = raw;
    }
  }
  if (rawSegments.length !== t.segments.length) return undefined;
  for (const k of Object.keys(labels)) labels[k] = decodeSegment(labels[k]!);
  return labels;
}

export function route(method: string, rawPath: string): RouteMatch {
  const rawSegments = rawPath.split('/').slice(1);
  let best: { t: Template; labels: Record<string, string> } | undefined;
  for (const t of TEMPLATES) {
    if (t.method !== method) continue;
    const labels = matchTemplate(t, rawSegments);
    if (labels && (!best || t.literalCount > best.t.literalCount)) best = { t, labels };
  }
  if (!best) throw new ApiError('UnknownOperationException', `No AWS IoT operation matches ${method} ${rawPath}`);
  return { operation: best.t.operation, labels: best.labels };
}
