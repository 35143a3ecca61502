/**
 * The rules provider's reader: turns an English sentence into groups of things (kind, count, tags,
 * size) and the relations between them. Layout is rules.ts's job.
 *
 * The sentence is cut into clauses at punctuation and at "and", "with", "where"...; a clause is a
 * chain of noun phrases joined by relation phrases ("three dragons guarding a chest inside a cave").
 * A noun phrase is [count] [adjectives] noun: the count may be digits, words ("twenty five"),
 * "a/an", "a pair of", "a few", "several", "a dozen", "a pack of"...; the words between the count and
 * the noun become tags; "the X" and "it" refer back to something named before.
 */
import { MAX_PLAN_ENTITIES } from './plan.js';
import {
  KINDS,
  MULTIPLIERS,
  NUMBER_WORDS,
  QUANTIFIERS,
  RELATIONS,
  SEPARATORS,
  SIZE_FACTORS,
  STOPWORDS,
  pluralsOf,
  type KindInfo,
  type RelationInfo,
  type RelationType,
} from './vocabulary.js';
import { invalidInput } from '../../../kernel/errors.js';

/** Things of one kind introduced by one noun phrase: "three red dragons". */
export interface Group {
  info: KindInfo;
  count: number;
  tags: string[];
  /** Uniform scale from size adjectives (huge ×3, large ×2, small ×0.5, tiny ×0.25). */
  scale: number;
  /** The first place named once: the scene and the root entity. */
  isRoot: boolean;
  /** Where it goes, relative to another group. */
  relation?: { type: RelationType; object: Group };
}

export interface ParsedPrompt {
  /** Every group in the order the sentence names them (groups with count 0 left out). */
  groups: Group[];
  root: Group | null;
}

interface Noun {
  info: KindInfo;
  plural: boolean;
}

const NOUNS = new Map<string, Noun>();
for (const info of KINDS) {
  for (const phrase of [...info.nouns, ...(info.massNouns ?? [])]) if (!NOUNS.has(phrase)) NOUNS.set(phrase, { info, plural: false });
}
for (const info of KINDS) {
  for (const phrase of [...(info.plurals ?? []), ...info.nouns.flatMap(pluralsOf)]) {
    if (!NOUNS.has(phrase)) NOUNS.set(phrase, { info, plural: true });
  }
}
const RELATION_INDEX = new Map<string, RelationInfo>(RELATIONS);
const longest = (keys: Iterable<string>) => Math.max(...[...keys].map((k) => k.split(' ').length));
const MAX_NOUN_WORDS = longest(NOUNS.keys());
const MAX_RELATION_WORDS = longest(RELATION_INDEX.keys());

const PUNCTUATION = new Set([',', ';', '.', '!', '?', ':']);
const PRONOUNS = new Set(['it', 'them']);
/** Multipliers that need no "of" after them: "a dozen goblins", "two hundred rats". */
const BARE_MULTIPLIERS = new Set(['dozen', 'hundred']);
/** Words that can start the object of "guard" used as a verb ("dragons guard the chest"). */
const OBJECT_STARTERS = new Set(['a', 'an', 'the', 'it', 'them', 'its', 'their', 'his', 'her', 'over', 'every', 'each', 'all', 'both', 'some']);

/** The longest phrase of `index` (at most `maxWords` words) starting at tokens[i]. */
function matchPhrase<T>(tokens: string[], i: number, index: Map<string, T>, maxWords: number): { value: T; length: number } | null {
  for (let n = Math.min(maxWords, tokens.length - i); n >= 1; n--) {
    const value = index.get(tokens.slice(i, i + n).join(' '));
    if (value !== undefined) return { value, length: n };
  }
  return null;
}

const has = (record: object, key: string) => Object.hasOwn(record, key);
const isNumberToken = (t: string) => /^\d/.test(t) || has(NUMBER_WORDS, t);

/** Lowercase words, numbers and punctuation; possessives dropped, "treasure-chest" split, "fire-breathing" kept. */
export function tokenize(prompt: string): string[] {
  const text = prompt
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/\bas well as\b/g, ' and ')
    .replace(/\bas well\b/g, ' ');
  const tokens: string[] = [];
  for (const raw of text.match(/\d+(?:\.\d+)?|[a-z]+(?:['-][a-z]+)*|[,;.!?:]/g) ?? []) {
    const token = raw.replace(/'s$/, '').replace(/'/g, '');
    if (!token.includes('-')) {
      tokens.push(token);
      continue;
    }
    const parts = token.split('-');
    const split =
      parts.every((p) => has(NUMBER_WORDS, p)) || parts.some((_, k) => NOUNS.has(parts.slice(k).join(' ')));
    if (split) tokens.push(...parts);
    else tokens.push(token);
  }
  return tokens;
}

interface NounItem {
  type: 'np';
  noun: Noun;
  /** The words before the noun since the last noun, relation or clause boundary. */
  words: string[];
  group?: Group | null;
  mention?: number;
}
interface PronounItem {
  type: 'pronoun';
  mention?: number;
}
interface RelationItem {
  type: 'rel';
  relation: RelationInfo;
}
type Item = NounItem | PronounItem | RelationItem;

interface Clause {
  items: Item[];
  /** The separator before it: 'and', 'with', ',', '.' ... ('' for the first). */
  joinedBy: string;
}

/** Splits the tokens into clauses of noun phrases and relations. */
function readClauses(tokens: string[]): Clause[] {
  const clauses: Clause[] = [];
  let clause: Clause = { items: [], joinedBy: '' };
  let words: string[] = [];
  const lastIsNoun = () => {
    const last = clause.items[clause.items.length - 1];
    return last !== undefined && last.type !== 'rel';
  };
  /** "guard(s)" as a verb: right after a noun and followed by what it guards. */
  const isGuardVerb = (i: number, afterNoun: boolean) => {
    if (tokens[i] !== 'guard' && tokens[i] !== 'guards') return false;
    if (!afterNoun) return false;
    for (let k = i + 1; k < Math.min(tokens.length, i + 5); k++) {
      const t = tokens[k];
      if (k === i + 1 && (OBJECT_STARTERS.has(t) || isNumberToken(t) || has(QUANTIFIERS, t))) return true;
      if (PUNCTUATION.has(t) || SEPARATORS.has(t) || matchPhrase(tokens, k, RELATION_INDEX, MAX_RELATION_WORDS)) return false;
      if (matchPhrase(tokens, k, NOUNS, MAX_NOUN_WORDS)) return true;
    }
    return false;
  };

  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i];
    const relation = matchPhrase(tokens, i, RELATION_INDEX, MAX_RELATION_WORDS);
    if (relation) {
      clause.items.push({ type: 'rel', relation: relation.value });
      words = [];
      i += relation.length;
      continue;
    }
    if (PUNCTUATION.has(token) || SEPARATORS.has(token)) {
      const joinedBy = token === ',' ? ',' : PUNCTUATION.has(token) ? '.' : token;
      if (clause.items.length > 0) {
        clauses.push(clause);
        clause = { items: [], joinedBy };
      } else if (clauses.length > 0 && (joinedBy === 'and' || clause.joinedBy === '')) {
        clause.joinedBy = joinedBy;
      }
      words = [];
      i++;
      continue;
    }
    if (words.length === 0 && isGuardVerb(i, lastIsNoun())) {
      clause.items.push({ type: 'rel', relation: { type: 'guard', reverse: false } });
      i += tokens[i + 1] === 'over' ? 2 : 1;
      continue;
    }
    const noun = matchPhrase(tokens, i, NOUNS, MAX_NOUN_WORDS);
    if (noun) {
      const next = i + noun.length;
      // A singular noun right before another noun describes it: "gold coins", "stone golem", "giant spider".
      if (!noun.value.plural && matchPhrase(tokens, next, NOUNS, MAX_NOUN_WORDS) && !isGuardVerb(next, true)) {
        words.push(tokens.slice(i, next).join('-'));
        i = next;
        continue;
      }
      clause.items.push({ type: 'np', noun: noun.value, words });
      words = [];
      i = next;
      continue;
    }
    if (PRONOUNS.has(token)) {
      clause.items.push({ type: 'pronoun' });
      words = [];
      i++;
      continue;
    }
    words.push(token);
    i++;
  }
  if (clause.items.length > 0) clauses.push(clause);
  return clauses;
}

interface CountWords {
  count?: number;
  definite: boolean;
  tags: string[];
}

/** Reads the count, "the" and the adjectives from the words before a noun. */
export function readCount(words: string[]): CountWords {
  let value: number | undefined;
  let definite = false;
  let half = false;
  let lastCountWord = -1;
  let afterTens = false;
  words.forEach((word, i) => {
    const wasAfterTens = afterTens;
    afterTens = false;
    if (/^\d/.test(word)) {
      const n = Number(word);
      if (!Number.isInteger(n)) {
        throw invalidInput(`prompt: "${word}" is not a whole number; say how many things there are in whole numbers`, {
          details: { field: 'prompt' },
        });
      }
      value = n;
    } else if (has(NUMBER_WORDS, word)) {
      const n = NUMBER_WORDS[word];
      value = wasAfterTens && value !== undefined && n > 0 && n < 10 ? value + n : n;
      afterTens = n >= 20;
    } else if (word === 'a' || word === 'an') {
      value ??= 1;
    } else if (word === 'the') {
      definite = true;
    } else if (word === 'half') {
      half = true;
    } else {
      const singular = word.endsWith('s') && has(MULTIPLIERS, word.slice(0, -1)) ? word.slice(0, -1) : word;
      const factor = has(MULTIPLIERS, singular) ? MULTIPLIERS[singular] : undefined;
      if (factor !== undefined && (BARE_MULTIPLIERS.has(singular) || words[i + 1] === 'of')) {
        // "a pair of" = 2, "two dozen" = 24, "dozens of" = 24, "packs of" = 10.
        value = (value ?? (singular === word ? 1 : 2)) * factor;
      } else if (has(QUANTIFIERS, word)) {
        value = QUANTIFIERS[word];
      } else {
        return;
      }
    }
    lastCountWord = i;
  });
  let count = value;
  if (count !== undefined && half) count /= 2;
  if (count !== undefined && !Number.isInteger(count)) {
    throw invalidInput(`prompt: "${words.join(' ')}" is not a whole number of things`, { details: { field: 'prompt' } });
  }
  const tags: string[] = [];
  for (const word of words.slice(lastCountWord + 1)) {
    if (STOPWORDS.has(word) || has(NUMBER_WORDS, word) || /^\d/.test(word) || word.length > 50) continue;
    if (!/^[a-z][a-z-]*$/.test(word) || tags.includes(word)) continue;
    tags.push(word);
  }
  return { count, definite, tags };
}

/** The scale of a thing described by `tags`: the product of its size adjectives. */
export function scaleOf(tags: readonly string[]): number {
  let scale = 1;
  for (const tag of tags) {
    // A compound like "giant-spider" never reaches here: only single words are size adjectives.
    if (has(SIZE_FACTORS, tag)) scale *= SIZE_FACTORS[tag];
  }
  return Math.min(64, Math.max(1 / 64, scale));
}

const MAX_TAGS = 20;

/** Reads the prompt into groups and relations. Throws INVALID_INPUT for counts it cannot accept. */
export function parsePrompt(prompt: string): ParsedPrompt {
  const clauses = readClauses(tokenize(prompt));
  const groups: Group[] = [];
  const mentions: (Group | null)[] = [];
  let root: Group | null = null;
  let total = 0;

  const groupFor = (item: NounItem): Group | null => {
    const { count, definite, tags } = readCount(item.words);
    const { info, plural } = item.noun;
    if (definite) {
      // "the chest": the chest named before, if there is one.
      for (let g = groups.length - 1; g >= 0; g--) if (groups[g].info === info) return groups[g];
    }
    const n = count ?? (plural ? 3 : 1);
    if (n === 0) return null;
    total += n;
    if (total > MAX_PLAN_ENTITIES) {
      throw invalidInput(`prompt: it asks for more than ${MAX_PLAN_ENTITIES} things; a world plan holds at most ${MAX_PLAN_ENTITIES} entities`, {
        hint: 'Ask for fewer things, or generate several scenes.',
        details: { field: 'prompt' },
      });
    }
    const group: Group = { info, count: n, tags: tags.slice(0, MAX_TAGS), scale: scaleOf(tags), isRoot: false };
    if (!root && info.category === 'place' && n === 1) {
      group.isRoot = true;
      root = group;
    }
    groups.push(group);
    return group;
  };

  /** The latest group named before mention `before`, other than `not`. */
  const latest = (before: number, not: Group | null): Group | null => {
    for (let m = before - 1; m >= 0; m--) {
      const g = mentions[m];
      if (g && g !== not) return g;
    }
    return null;
  };

  const relate = (subject: Group | null, object: Group | null, type: RelationType): boolean => {
    if (!subject || !object || subject === object || subject.isRoot || subject.relation) return false;
    // Refuse relations that would go round in a circle (a near b, b near a).
    for (let g: Group | undefined = object; g; g = g.relation?.object) if (g === subject) return false;
    subject.relation = { type, object };
    return true;
  };

  clauses.forEach((clause, c) => {
    const firstMention = mentions.length;
    for (const item of clause.items) {
      if (item.type === 'np') {
        item.group = groupFor(item);
        item.mention = mentions.length;
        mentions.push(item.group);
      } else if (item.type === 'pronoun') {
        item.mention = mentions.length;
      }
    }
    const resolve = (item: NounItem | PronounItem, not: Group | null): Group | null =>
      item.type === 'np' ? (item.group ?? null) : latest(item.mention!, not);

    clause.items.forEach((item, k) => {
      if (item.type !== 'rel') return;
      let leftItem: NounItem | PronounItem | undefined;
      for (let j = k - 1; j >= 0 && !leftItem; j--) {
        const candidate = clause.items[j];
        if (candidate.type !== 'rel') leftItem = candidate;
      }
      const next = clause.items[k + 1];
      const rightItem = next && next.type !== 'rel' ? next : undefined;
      // "a chest, guarded by three dragons": the subject is the last thing of the clause before.
      const left = leftItem ? resolve(leftItem, null) : latest(firstMention, null);
      let right = rightItem ? resolve(rightItem, left) : null;
      if (!rightItem) {
        // "a chest with a key inside": the object is what was named before the subject.
        if (item.relation.reverse) return;
        right = latest(leftItem?.mention ?? firstMention, left);
      }
      const [subject, object] = item.relation.reverse ? [right, left] : [left, right];
      const related = relate(subject, object, item.relation.type);
      // "goblins and orcs guarding the gate": the orcs' relation holds for the goblins too.
      if (related && k === 1 && leftItem === clause.items[0] && !item.relation.reverse) {
        for (let p = c; p > 0 && clauses[p].joinedBy === 'and'; p--) {
          const before = clauses[p - 1].items;
          if (before.length !== 1 || before[0].type !== 'np') break;
          relate(before[0].group ?? null, object, item.relation.type);
        }
      }
    });
  });

  return { groups: groups.filter((g) => g.count > 0), root };
}

/** Some kinds of each category, for messages that say what the rules provider knows. */
export function knownKindsSummary(perCategory = 8): string {
  const byCategory = (category: KindInfo['category']) =>
    KINDS.filter((k) => k.category === category)
      .slice(0, perCategory)
      .map((k) => k.nouns[0])
      .join(', ');
  return (
    `places (${byCategory('place')}), creatures (${byCategory('creature')}), ` +
    `characters (${byCategory('character')}) and objects (${byCategory('object')})`
  );
}
