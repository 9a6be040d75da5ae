/**
 * The words the Markdown extensions write into an article's body: the footnotes' heading, a back-link's
 * name and an alert's title. They belong to the article's HTML, which is rendered once when it is parsed
 * (before any theme is loaded) and then served in pages, feeds and the digest alike, so they come from here,
 * by the site's language, rather than from the theme's locale: the five languages the default theme ships,
 * and English for any other.
 */
export interface MarkdownWords {
  readonly footnotes: string;
  /** The name of a footnote's link back to its reference, which shows `number` ("2", or "2-2"). */
  readonly backToReference: (number: string) => string;
  readonly alerts: Readonly<Record<'note' | 'tip' | 'important' | 'warning' | 'caution', string>>;
  /** The summary of raw HTML's `<details>` written without one, as a browser words its own. */
  readonly details: string;
}

const WORDS: Readonly<Record<string, MarkdownWords>> = {
  en: {
    details: 'Details',
    footnotes: 'Footnotes',
    backToReference: (n) => `Back to reference ${n}`,
    alerts: { note: 'Note', tip: 'Tip', important: 'Important', warning: 'Warning', caution: 'Caution' },
  },
  de: {
    details: 'Details',
    footnotes: 'Fußnoten',
    backToReference: (n) => `Zurück zum Verweis ${n}`,
    alerts: { note: 'Hinweis', tip: 'Tipp', important: 'Wichtig', warning: 'Warnung', caution: 'Vorsicht' },
  },
  fr: {
    details: 'Détails',
    footnotes: 'Notes',
    backToReference: (n) => `Retour à la référence ${n}`,
    alerts: {
      note: 'Remarque',
      tip: 'Astuce',
      important: 'Important',
      warning: 'Avertissement',
      caution: 'Attention',
    },
  },
  es: {
    details: 'Detalles',
    footnotes: 'Notas',
    backToReference: (n) => `Volver a la referencia ${n}`,
    alerts: {
      note: 'Nota',
      tip: 'Consejo',
      important: 'Importante',
      warning: 'Advertencia',
      caution: 'Precaución',
    },
  },
  pt: {
    details: 'Detalhes',
    footnotes: 'Notas de rodapé',
    backToReference: (n) => `Voltar à referência ${n}`,
    alerts: { note: 'Nota', tip: 'Dica', important: 'Importante', warning: 'Aviso', caution: 'Cuidado' },
  },
};

/** The words for a BCP 47 tag, by its language (`pt-BR` → `pt`); English for one we have none for. */
export function markdownWordsFor(language = 'en'): MarkdownWords {
  const base = (language.split('-')[0] ?? language).toLowerCase();
  return WORDS[base] ?? (WORDS.en as MarkdownWords);
}
