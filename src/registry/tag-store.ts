// Tag storage shared by every taggable resource (docs/decisions.md#r12). Create operations that accept `tags` call
// putTags in their own transaction, so a resource and its tags appear together (a tag error rolls the create back);
// deletes call deleteTags. Resources are identified by their canonical ARN (ids normalised as the resource's module
// does).
import type { RequestContext } from './context.js';
import { invalidRequest, limitExceeded } from '../kernel/errors.js';
import { scoped } from '../store/scoped.js';

export const MAX_TAGS_PER_RESOURCE = 50;

export interface Tag {
  Key: string;
  Value?: string;
}

/** `aws:` is reserved for AWS-generated tags; AWS treats the prefix case-insensitively. */
export function isReservedTagKey(key: string): boolean {
  return key.toLowerCase().startsWith('aws:');
}

/** Rejects reserved keys, and a key given twice in one request (which value should win would be a guess). */
export function checkTagKeys(keys: string[]): void {
  const seen = new Set<string>();
  for (const key of keys) {
    if (isReservedTagKey(key)) throw invalidRequest(`Tag key ${key} is reserved: keys starting with aws: cannot be used`);
    if (seen.has(key)) throw invalidRequest(`Tag key ${key} appears more than once in the request`);
    seen.add(key);
  }
}

/** Adds or overwrites tags on a resource; enforces reserved keys and the 50-tag limit. */
export async function putTags(ctx: RequestContext, resourceArn: string, tags: Tag[] | undefined): Promise<void> {
  if (!tags || tags.length === 0) return;
  checkTagKeys(tags.map((t) => t.Key));
  const keys = new Set((await listTags(ctx, resourceArn)).map((t) => t.Key));
  for (const tag of tags) keys.add(tag.Key);
  if (keys.size > MAX_TAGS_PER_RESOURCE)
    throw limitExceeded(`${resourceArn} would have ${keys.size} tags; a resource may have at most ${MAX_TAGS_PER_RESOURCE}`);
  for (const tag of tags) {
    // An absent Value is stored (and listed) as the empty string.
    const value = tag.Value ?? '';
    await ctx.db
      .insertInto('tags')
      .values({ account_id: ctx.accountId, region: ctx.region, resource_arn: resourceArn, tag_key: tag.Key, tag_value: value })
      .onConflict((oc) => oc.columns(['account_id', 'region', 'resource_arn', 'tag_key']).doUpdateSet({ tag_value: value }))
      .execute();
  }
}

/** The resource's tags ordered by key (code-point order). */
export async function listTags(ctx: RequestContext, resourceArn: string): Promise<Required<Tag>[]> {
  const rows = await scoped(ctx)
    .selectFrom('tags')
    .select(['tag_key', 'tag_value'])
    .where('resource_arn', '=', resourceArn)
    .orderBy('tag_key')
    .execute();
  return rows.map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
}

/** Removes the given keys (absent keys are ignored), or every tag when keys is undefined. */
export async function removeTags(ctx: RequestContext, resourceArn: string, keys?: string[]): Promise<void> {
  if (keys !== undefined && keys.length === 0) return;
  let q = scoped(ctx)
    .deleteFrom('tags')
    .where('resource_arn', '=', resourceArn);
  if (keys !== undefined) q = q.where('tag_key', 'in', keys);
  await q.execute();
}

/** Removes every tag of a deleted resource. */
export const deleteTags = (ctx: RequestContext, resourceArn: string) => removeTags(ctx, resourceArn);
