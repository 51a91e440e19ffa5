// Tag storage shared by every taggable resource (Dec R12). Create operations that accept `tags` call putTags in
// their own transaction, so a resource and its tags appear together; deletes call deleteTags.
import type { RequestContext } from './context.js';
import { invalidRequest, limitExceeded } from '../wire/errors.js';

export const MAX_TAGS_PER_RESOURCE = 50;

export interface Tag {
  Key: string;
  Value?: string;
}

/** Adds or overwrites tags on a resource; enforces reserved keys and the 50-tag limit. */
export async function putTags(ctx: RequestContext, resourceArn: string, tags: Tag[] | undefined): Promise<void> {
  if (!tags || tags.length === 0) return;
  for (const tag of tags)
    if (tag.Key.toLowerCase().startsWith('aws:')) throw invalidRequest(`Tag key ${tag.Key} is reserved: keys starting with aws: cannot be set`);
  const existing = await listTags(ctx, resourceArn);
  const keys = new Set(existing.map((t) => t.Key));
  for (const tag of tags) keys.add(tag.Key);
  if (keys.size > MAX_TAGS_PER_RESOURCE)
    throw limitExceeded(`${resourceArn} would have ${keys.size} tags; a resource may have at most ${MAX_TAGS_PER_RESOURCE}`);
  for (const tag of tags) {
    await ctx.db
      .insertInto('tags')
      .values({ account_id: ctx.accountId, region: ctx.region, resource_arn: resourceArn, tag_key: tag.Key, tag_value: tag.Value ?? '' })
      .onConflict((oc) => oc.columns(['account_id', 'region', 'resource_arn', 'tag_key']).doUpdateSet({ tag_value: tag.Value ?? '' }))
      .execute();
  }
}

export async function listTags(ctx: RequestContext, resourceArn: string): Promise<Required<Tag>[]> {
  const rows = await ctx.db
    .selectFrom('tags')
    .select(['tag_key', 'tag_value'])
    .where('account_id', '=', ctx.accountId)
    .where('region', '=', ctx.region)
    .where('resource_arn', '=', resourceArn)
    .orderBy('tag_key')
    .execute();
  return rows.map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
}

export async function removeTags(ctx: RequestContext, resourceArn: string, keys?: string[]): Promise<void> {
  let q = ctx.db
    .deleteFrom('tags')
    .where('account_id', '=', ctx.accountId)
    .where('region', '=', ctx.region)
    .where('resource_arn', '=', resourceArn);
  if (keys) {
    if (keys.length === 0) return;
    q = q.where('tag_key', 'in', keys);
  }
  await q.execute();
}

/** Removes every tag of a deleted resource. */
export const deleteTags = (ctx: RequestContext, resourceArn: string) => removeTags(ctx, resourceArn);
