/**
 * The media type of an upload, decided by its bytes (file-type's magic numbers), never by its name.
 *
 * Only the types in MEDIA_TYPES are accepted. SVG, HTML and XML are refused on purpose: a browser runs
 * the script in them with the site's origin when it opens the file. Plain text is accepted when it is
 * valid UTF-8 without NUL bytes and does not begin like markup (`<html`, `<svg`, `<!DOCTYPE`, `<?xml`),
 * which is what browsers sniff for.
 *
 * Whoever serves the files should still send the returned `mime`, `X-Content-Type-Options: nosniff`,
 * and `Content-Disposition: attachment` for PDF and text: the content check here is the first fence.
 */
import { fileTypeFromBuffer } from 'file-type';
import { invalidInput } from '../../kernel/errors.js';

/** The accepted media types: MIME type → default extension and a name for messages. */
export const MEDIA_TYPES = Object.freeze({
  'image/png': { ext: 'png', label: 'PNG' },
  'image/jpeg': { ext: 'jpg', label: 'JPEG' },
  'image/gif': { ext: 'gif', label: 'GIF' },
  'image/webp': { ext: 'webp', label: 'WebP' },
  'image/avif': { ext: 'avif', label: 'AVIF' },
  'application/pdf': { ext: 'pdf', label: 'PDF' },
  'audio/mpeg': { ext: 'mp3', label: 'MP3' },
  'audio/ogg': { ext: 'ogg', label: 'Ogg audio (Vorbis, Opus, FLAC, Speex)' },
  'audio/wav': { ext: 'wav', label: 'WAV' },
  'audio/mp4': { ext: 'm4a', label: 'M4A/AAC in MP4' },
  'video/mp4': { ext: 'mp4', label: 'MP4 video' },
  'video/webm': { ext: 'webm', label: 'WebM video' },
  'text/plain': { ext: 'txt', label: 'UTF-8 plain text' },
} as const satisfies Record<string, { ext: string; label: string }>);

export type MediaType = keyof typeof MEDIA_TYPES;

/** file-type names some accepted formats differently: its MIME → ours. */
const ALIASES: Readonly<Record<string, MediaType>> = {
  'audio/ogg; codecs=opus': 'audio/ogg',
  'audio/x-m4a': 'audio/mp4',
  'audio/x-wav': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
};

/** Extensions a text upload may keep (they are all served as text/plain); anything else becomes .txt. */
const TEXT_EXTENSIONS = new Set(['txt', 'text', 'md', 'markdown', 'csv', 'tsv', 'log']);

const ACCEPTED_HINT = `Accepted: ${Object.values(MEDIA_TYPES)
  .map((t) => t.label)
  .join(', ')}.`;

/** What a browser's sniffer takes for markup: `<` then a letter, `!` or `?`, after a BOM and whitespace. */
const LEADING_MARKUP = /^\uFEFF?[\t\n\f\r ]*<[a-zA-Z!?]/;
const SVG = /<svg[\s>/]/i;
const HTML = /^\uFEFF?[\t\n\f\r ]*<(?:!doctype\s+html|html|head|body|script|iframe)[\s>/]/i;

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function extensionOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function refuseMarkup(fileName: string, head: string): never {
  const kind = SVG.test(head) ? 'an SVG image' : HTML.test(head) ? 'an HTML page' : 'HTML/XML markup';
  throw invalidInput(`${JSON.stringify(fileName)} is ${kind}, which is refused: it can carry script`, {
    hint: `${kind === 'an SVG image' ? 'Export it as PNG or WebP. ' : ''}${ACCEPTED_HINT}`,
    details: { fileName, refused: kind },
  });
}

/**
 * Decides the media type of an upload from its content. The name is used only in messages: when the
 * extension disagrees with the content (a `.png` that is a PDF), the content wins and `ext` is the
 * real one.
 * @returns the accepted MIME type and its extension (file-type's, e.g. `jpg`, `oga`, `opus`; for text,
 *   the file's own extension when it is one of txt/md/csv/tsv/log, else `txt`).
 * @throws RaosError INVALID_INPUT naming the file when the content is empty, unknown or refused, with
 *   a hint listing what is accepted.
 */
export async function detectMediaType(bytes: Uint8Array, fileName: string): Promise<{ mime: MediaType; ext: string }> {
  if (bytes.length === 0) {
    throw invalidInput(`${JSON.stringify(fileName)} is empty`, { hint: ACCEPTED_HINT, details: { fileName } });
  }

  const detected = await fileTypeFromBuffer(bytes);
  if (detected) {
    const mime = (detected.mime in MEDIA_TYPES ? detected.mime : ALIASES[detected.mime]) as MediaType | undefined;
    if (mime) return { mime, ext: detected.ext };
    if (detected.mime === 'application/xml') refuseMarkup(fileName, decodeUtf8(bytes.subarray(0, 4096)) ?? '');
    throw invalidInput(`${JSON.stringify(fileName)} is ${detected.mime} (.${detected.ext}), which is not accepted`, {
      hint: ACCEPTED_HINT,
      details: { fileName, detected: detected.mime },
    });
  }

  const text = bytes.includes(0) ? undefined : decodeUtf8(bytes);
  if (text === undefined) {
    throw invalidInput(`the content of ${JSON.stringify(fileName)} is not a recognised media type`, {
      hint: `${ACCEPTED_HINT} Text must be UTF-8 without NUL bytes.`,
      details: { fileName },
    });
  }
  if (LEADING_MARKUP.test(text)) refuseMarkup(fileName, text.slice(0, 4096));
  const nameExt = extensionOf(fileName);
  return { mime: 'text/plain', ext: TEXT_EXTENSIONS.has(nameExt) ? nameExt : 'txt' };
}
