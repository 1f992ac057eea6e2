export const LANGUAGES = ['kk', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * The language of an answer from `Accept-Language` (RFC 9110 quality values): the best of kk, ru
 * and en the caller accepts; Kazakh when it names none of them (the SOP's own language).
 */
export function pickLanguage(header: string | undefined, fallback: Language = 'kk'): Language {
  if (header === undefined || header.trim() === '') return fallback;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [range, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return {
        tag: range.trim().toLowerCase(),
        quality: Number.isFinite(quality) ? quality : 0,
        index,
      };
    })
    .filter((r) => r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0];
    if ((LANGUAGES as readonly string[]).includes(primary)) return primary as Language;
  }
  return fallback;
}
