// Checks may hand over their findings lazily (an Iterable the engine stores as it goes); tests that call a check
// directly read them as an array.
import type { CheckFinding, CheckResult } from '../../src/audit/checks/check.js';

export interface EvaluatedCheck {
  checked: number;
  findings: CheckFinding[];
}

export function evaluated(result: CheckResult): EvaluatedCheck {
  return { checked: result.checked, findings: [...result.findings] };
}
