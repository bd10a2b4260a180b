import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { isValidObjectId, Model, Types, type mongo } from 'mongoose';
import { GroupInsert } from '../infra/mongo/group-insert';
import { Content, GeneratedPost, PublishedPost } from './content.schema';

type NewContent = Omit<Content, 'failureReason'>;

/** Content documents: created for a user, and filled in stage by stage by the workers. */
@Injectable()
export class ContentService {
  /**
   * New content documents, inserted by the driver and grouped with other requests' (group
   * commit): the fields come checked from the API, a mongoose document (casting, validation,
   * save hooks) cost more Node CPU than the insert, and one insert each cost FerretDB most of a
   * submission's database CPU (bench:enqueue). The schema's defaults and timestamps are written
   * in create().
   */
  private readonly inserts: GroupInsert<NewContent>;

  constructor(@InjectModel(Content.name) private readonly model: Model<Content>) {
    this.inserts = new GroupInsert<NewContent>(
      () => model.collection as unknown as mongo.Collection<NewContent>,
      { windowMs: 2, max: 200, duplicateIsDone: false },
    );
  }

  async create(
    ownerId: string,
    fields: Pick<Content, 'sourceText'> & Partial<Pick<Content, 'title' | 'status'>>,
    /** An id chosen beforehand (an upload's object is named after its content). */
    id?: string,
  ): Promise<string> {
    const _id = id ? new Types.ObjectId(id) : new Types.ObjectId();
    const now = new Date();
    const doc: NewContent = {
      _id,
      ownerId,
      // Left out rather than stored as null (what the driver makes of undefined).
      ...(Object.fromEntries(
        Object.entries(fields).filter(([, value]) => value !== undefined),
      ) as typeof fields),
      status: fields.status ?? 'draft',
      posts: {},
      published: {},
      media: {},
      createdAt: now,
      updatedAt: now,
    };
    await this.inserts.insert(doc);
    return _id.toHexString();
  }

  /**
   * The content if `ownerId` owns it; anyone else gets a 404 (its existence is not revealed).
   * Read by `_id` alone and the owner compared here: FerretDB scans for `{_id, ownerId}`.
   */
  async findOwned(contentId: string, ownerId: string): Promise<Content> {
    const content = await this.findById(contentId);
    if (content?.ownerId !== ownerId) throw new NotFoundException(`Content ${contentId} not found`);
    return content;
  }

  async findById(contentId: string): Promise<Content | null> {
    return isValidObjectId(contentId)
      ? this.model.findById(contentId).lean<Content>().exec()
      : null;
  }

  async savePosts(contentId: string, posts: GeneratedPost[]): Promise<void> {
    const set = Object.fromEntries(posts.map((p) => [`posts.${p.platform}`, p]));
    await this.model.updateOne(
      { _id: contentId },
      { $set: { ...set, status: 'ready' }, $unset: { failureReason: '' } },
    );
  }

  async delete(contentId: string): Promise<void> {
    await this.model.deleteOne({ _id: contentId });
  }

  async savePublished(contentId: string, post: PublishedPost): Promise<void> {
    await this.model.updateOne(
      { _id: contentId },
      { $set: { [`published.${post.platform}`]: post } },
    );
  }

  /** One media stage's output (upload, video metadata, thumbnail, transcript, …). */
  async saveMedia(contentId: string, stage: string, value: Record<string, unknown>): Promise<void> {
    await this.model.updateOne({ _id: contentId }, { $set: { [`media.${stage}`]: value } });
  }

  /** The transcript stage's output; its text becomes what posts are generated from. */
  async saveTranscript(contentId: string, transcript: Record<string, unknown> & { text: string }) {
    await this.model.updateOne(
      { _id: contentId },
      { $set: { 'media.transcript': transcript, sourceText: transcript.text } },
    );
  }

  async setStatus(
    contentId: string,
    status: Content['status'],
    failureReason?: string,
  ): Promise<void> {
    await this.model.updateOne(
      { _id: contentId },
      failureReason
        ? { $set: { status, failureReason } }
        : { $set: { status }, $unset: { failureReason: '' } },
    );
  }
}
