import type { ApiClient, Session } from './api-client';
import { eventually } from './test-app';

/** GET /api/content/:id as the tests read it. */
export interface ContentView {
  id: string;
  status: string;
  failureReason?: string;
  posts: Record<string, { text: string }>;
  media: {
    video?: {
      width: number;
      height: number;
      durationSeconds: number;
      thumbnail: string;
      rendition: { file: string; height: number };
    };
    transcript?: {
      text: string;
      language: string;
      engine: string;
      segments: unknown[];
      files: { vtt: string; srt: string };
    };
  };
  timeline: {
    step: string;
    jobId: string;
    state: string;
    attemptsMade: number;
    startedAt?: string;
    finishedAt?: string;
  }[];
}

export async function fetchContent(api: ApiClient, who: Session, id: string) {
  return (await api.call('get', `/content/${id}`, who.token).expect(200)).body as ContentView;
}

/** The content a job of `who` works on. */
export async function contentOfJob(api: ApiClient, who: Session, jobId: string) {
  return (await api.call('get', `/jobs/user/${jobId}`, who.token).expect(200)).body
    .contentId as string;
}

/** Waits until the content's pipeline has ended (ready or failed, every step finished). */
export function pipelineEnded(api: ApiClient, who: Session, id: string, timeoutMs = 90_000) {
  return eventually(
    async () => {
      const content = await fetchContent(api, who, id);
      const stepsDone = content.timeline.every(
        (s) => !['waiting', 'delayed', 'active'].includes(s.state),
      );
      return ['ready', 'failed'].includes(content.status) && stepsDone && content;
    },
    timeoutMs,
    `content ${id} ready or failed`,
  );
}
