import type { mongo } from 'mongoose';
import { DUPLICATE_KEY } from './duplicate-key';

export interface GroupInsertOptions {
  /** Inserts arriving within this window share one insertMany. */
  windowMs: number;
  /** A batch goes at once when it has this many. */
  max: number;
  /** A document whose `_id` is there already counts as inserted (idempotent writes). */
  duplicateIsDone: boolean;
}

interface Pending<T> {
  doc: T;
  done: (error?: Error) => void;
}

/**
 * Group commit for inserts on the request path: documents arriving within a couple of
 * milliseconds of each other go to MongoDB as one unordered insertMany, and each caller's promise
 * settles with its own document's outcome. FerretDB spends a fraction per document of what one
 * insert each costs it (~80 µs in a batch of 50, several hundred alone), which is most of a
 * submission's database CPU; a lone insert waits at most the window.
 */
export class GroupInsert<T extends mongo.Document> {
  private pending: Pending<T>[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly collection: () => mongo.Collection<T>,
    private readonly options: GroupInsertOptions,
  ) {}

  /** Resolves once the document is in MongoDB; rejects with the write's error otherwise. */
  insert(doc: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ doc, done: (error) => (error ? reject(error) : resolve()) });
      if (this.pending.length >= this.options.max) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (!batch.length) return;
    this.collection()
      .insertMany(
        batch.map((p) => p.doc as mongo.OptionalUnlessRequiredId<T>),
        { ordered: false },
      )
      .then(
        () => batch.forEach((p) => p.done()),
        (error: Error & { writeErrors?: WriteError | WriteError[] }) => {
          // No per-document errors: the write as a whole failed (MongoDB away), and so did each.
          if (!error.writeErrors) return batch.forEach((p) => p.done(error));
          const failed = new Set(
            [error.writeErrors]
              .flat()
              .filter((e) => !(this.options.duplicateIsDone && e.code === DUPLICATE_KEY))
              .map((e) => e.index),
          );
          batch.forEach((p, i) => p.done(failed.has(i) ? error : undefined));
        },
      );
  }
}

type WriteError = { index: number; code?: number };
