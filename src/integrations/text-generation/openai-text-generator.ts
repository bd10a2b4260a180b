import type { LlmConfig } from '../../config/integrations-config';
import { postJson } from '../http/provider-http';
import type { PostDraft, PostRequest, TextGenerator } from './text-generator';

interface ChatCompletion {
  choices?: { message?: { content?: string } }[];
}

/** Any OpenAI-compatible chat-completions API (OpenAI, a local llama.cpp/vLLM server, …). */
export class OpenAiTextGenerator implements TextGenerator {
  readonly name: string;

  constructor(private readonly llm: LlmConfig & { baseUrl: string }) {
    this.name = `llm:${llm.model}`;
  }

  async generate(request: PostRequest, signal: AbortSignal): Promise<PostDraft> {
    const { rules, platform } = request;
    const instructions =
      `Write one ${platform} post from the user's text. The post body must be at most ${rules.maxLength - 100} characters. ` +
      (rules.hashtags > 0 ? `Suggest up to ${rules.hashtags} hashtags. ` : 'Use no hashtags. ') +
      'Answer only with JSON: {"text": "<post body without hashtags>", "hashtags": ["#Tag", ...]}';
    const response = await postJson<ChatCompletion>(
      'llm',
      `${this.llm.baseUrl}/chat/completions`,
      {
        model: this.llm.model,
        messages: [
          { role: 'system', content: instructions },
          { role: 'user', content: request.text },
        ],
        response_format: { type: 'json_object' },
        temperature: 0.7,
      },
      {
        headers: this.llm.apiKey ? { authorization: `Bearer ${this.llm.apiKey}` } : {},
        timeoutMs: this.llm.timeoutMs,
        signal,
      },
    );
    return parseDraft(response.body.choices?.[0]?.message?.content ?? '');
  }
}

/** The model's JSON answer, or — when it ignored the format — its text with inline hashtags pulled out. */
export function parseDraft(content: string): PostDraft {
  try {
    const parsed = JSON.parse(content) as { text?: unknown; hashtags?: unknown };
    if (typeof parsed.text === 'string') {
      const hashtags = Array.isArray(parsed.hashtags)
        ? parsed.hashtags.filter((t): t is string => typeof t === 'string')
        : [];
      return { text: parsed.text, hashtags };
    }
  } catch {
    /* not JSON: fall through */
  }
  const hashtags = content.match(/#[\p{L}\p{N}_]+/gu) ?? [];
  return {
    text: content
      .replace(/#[\p{L}\p{N}_]+/gu, '')
      .replace(/\s+$/g, '')
      .trim(),
    hashtags,
  };
}
