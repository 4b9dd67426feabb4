/*
 * Judges are asked for a fixed format, and models still answer "Score: 4/5", "**4**", "8 out of
 * 10", `{"score": 0.8}` or a code-fenced JSON. The parsers accept all of those and refuse to
 * guess at anything else: an unparseable reply is a failed check with the reply in its detail.
 */

const NUMBER = String.raw`(-?\d+(?:\.\d+)?)`;
const SCALE = String.raw`(?:\s*(?:\/|out\s+of)\s*(\d+(?:\.\d+)?))?`;
const LABELLED = new RegExp(
  String.raw`["'*_]*\b(?:score|rating|grade)\b["'*_]*\s*[:=]\s*["'*_]*\s*${NUMBER}${SCALE}`,
  'i',
);
const FRACTION = new RegExp(String.raw`${NUMBER}\s*(?:\/|out\s+of)\s*(\d+(?:\.\d+)?)`, 'i');
const BARE = new RegExp(String.raw`^[\s"'*_\`]*${NUMBER}[\s"'*_\`.]*$`);

/**
 * A judge's rubric score on 0..1, or null when the reply holds none.
 *
 * - With a scale (`4/5`, `8 out of 10`): out of 5 maps 1..5 onto 0..1 (the 1–5 rubric we ask for);
 *   other scales divide (`8/10` → 0.8).
 * - Without: a decimal in 0..1 (or 0) is taken as is; 1..5 is the rubric scale, `(x − 1) / 4`
 *   (so a bare `1` is the worst grade); up to 10 divides by 10; up to 100 is a percentage.
 */
export function parseJudgeScore(reply: string): number | null {
  const match = LABELLED.exec(reply) ?? FRACTION.exec(reply) ?? BARE.exec(reply);
  if (!match) return null;
  const value = Number(match[1]);
  const scale = match[2] === undefined ? null : Number(match[2]);
  return normalizeScore(value, scale, match[1]?.includes('.') ?? false);
}

function normalizeScore(value: number, scale: number | null, hasDecimal: boolean): number | null {
  if (!Number.isFinite(value) || value < 0) return null;
  if (scale !== null) {
    if (!(scale > 0) || value > scale) return null;
    if (scale === 5) return value >= 1 ? (value - 1) / 4 : 0;
    return value / scale;
  }
  if (value === 0 || (hasDecimal && value <= 1)) return value;
  if (value <= 5) return (value - 1) / 4;
  if (value <= 10) return value / 10;
  if (value <= 100) return value / 100;
  return null;
}

/** A grounding judge's verdict. */
export interface GroundingVerdict {
  supported: boolean;
  /** Share of claims supported, 0..1; null when the judge gave none. */
  score: number | null;
  /** The claims the judge flagged as unsupported. */
  claims: string[];
}

const VERDICT_LINE =
  /\bverdict\b[*_\s]*[:=][*_\s]*(partially\s+supported|unsupported|not\s+supported|supported)/i;
const VERDICT_ANYWHERE = /\b(partially\s+supported|unsupported|not\s+supported|supported)\b/i;
const SCORE_LINE = /\bscore\b[*_\s]*[:=][*_\s]*(\d+(?:\.\d+)?)(\s*%)?/i;
const CLAIMS_HEADER = /unsupported\s+claims?\s*:?(.*)$/im;
const BULLET = /^\s*(?:[-*•]|\d+[.)])\s+(.*\S)\s*$/;

/** Parse `VERDICT / SCORE / UNSUPPORTED CLAIMS`; null when no verdict is found. */
export function parseGroundingVerdict(reply: string): GroundingVerdict | null {
  const verdict = (VERDICT_LINE.exec(reply) ?? VERDICT_ANYWHERE.exec(reply))?.[1];
  if (verdict === undefined) return null;
  const supported = verdict.toLowerCase() === 'supported';

  let score: number | null = null;
  const scoreMatch = SCORE_LINE.exec(reply);
  if (scoreMatch) {
    const value = Number(scoreMatch[1]);
    const percent = scoreMatch[2] !== undefined || value > 1;
    const normalized = percent ? value / 100 : value;
    if (normalized >= 0 && normalized <= 1) score = normalized;
  }

  const claims: string[] = [];
  const header = CLAIMS_HEADER.exec(reply);
  if (header) {
    const after = reply.slice(header.index + header[0].length).split(/\r?\n/);
    const inline = header[1]?.trim() ?? '';
    if (inline !== '' && !/^none\b/i.test(inline)) claims.push(inline);
    for (const line of after) {
      const bullet = BULLET.exec(line);
      if (!bullet) {
        if (line.trim() === '') continue;
        break;
      }
      const claim = (bullet[1] ?? '').trim();
      if (!/^(none|n\/a)\.?$/i.test(claim)) claims.push(claim);
    }
  }
  return { supported, score, claims };
}

const REASON = /"reason"\s*:\s*"((?:[^"\\]|\\.)*)"/i;
const REASON_LINE = /^\s*\**reason\**\s*[:=]\s*(.+)$/im;

/** The judge's one-sentence reason, when it gave one. */
export function parseJudgeReason(reply: string): string | null {
  const json = REASON.exec(reply);
  if (json) {
    try {
      return (JSON.parse(`"${json[1] ?? ''}"`) as string).trim() || null;
    } catch {
      return (json[1] ?? '').trim() || null;
    }
  }
  return REASON_LINE.exec(reply)?.[1]?.trim() || null;
}
