// The IAM identity-policy engine: what other layers use. Compile each policy once (compilePolicy refuses a bad
// document with MalformedPolicyException), evaluate requests against the compiled policies (evaluate), and word a
// denial as AWS does (accessDeniedMessage). Pure: no HTTP, no database, no clock — the caller puts the time, the
// caller's address and the principal in the request context. docs/iam.md describes what is supported.
export { compilePolicy, MAX_ELEMENT_ENTRIES, MAX_POLICY_CHARACTERS, MAX_STATEMENTS } from './policy.js';
export type { CompiledPolicy, PolicySource } from './policy.js';
export { evaluate } from './evaluate.js';
export type { AuthorizationRequest, Decision, DecidingStatement } from './evaluate.js';
export { accessDeniedMessage } from './access-denied.js';
export type { DeniedRequest } from './access-denied.js';
export { RequestContext } from './context.js';
export type { ContextScalar, ContextValue, RequestContextInput } from './context.js';
export { MAX_CONDITION_VALUES } from './conditions.js';
