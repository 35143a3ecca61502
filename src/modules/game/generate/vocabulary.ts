/**
 * The words the rules provider understands: kinds of things (with their sizes and default
 * components), counts, size adjectives and relations. Plain data; rules.ts and parse.ts read it.
 */

export type Category = 'place' | 'creature' | 'character' | 'object';
export type Behaviour = 'idle' | 'patrol' | 'guard' | 'wander' | 'flee' | 'trade';

export interface KindInfo {
  /** The plan's `kind`: a lowercase word, dashes between words. */
  kind: string;
  /** Singular noun phrases that name it; the first is its display name. */
  nouns: string[];
  /** Plural phrases beyond the regular ones derived from `nouns` (wolves, mice, dwarfs). */
  plurals?: string[];
  /** Phrases that only exist in one form (woods, ruins): no plural is derived. */
  massNouns?: string[];
  category: Category;
  /** Footprint radius at scale 1, in scene units: spacing and ring radii come from it. */
  radius: number;
  /** Height at scale 1: what stands "on" it rests at this height. */
  height: number;
  /** Height above the ground where it is placed (flying things); 0 when absent. */
  elevation?: number;
  /** Creatures and characters: maximum health at scale 1. */
  health?: number;
  /** Creatures and characters: whether it attacks by default. */
  hostile?: boolean;
  /** Creatures and characters: what it does by default. */
  behaviour?: Behaviour;
  light?: { color: string; intensity: number; range: number };
  container?: boolean;
  /** Groups of it spread over the whole scene (trees) instead of standing together (goblins). */
  scatter?: boolean;
}

const place = (kind: string, nouns: string[], radius: number, height: number, extra: Partial<KindInfo> = {}): KindInfo => ({
  kind,
  nouns,
  category: 'place',
  radius,
  height,
  ...extra,
});

const creature = (
  kind: string,
  nouns: string[],
  health: number,
  radius: number,
  height: number,
  extra: Partial<KindInfo> = {},
): KindInfo => ({ kind, nouns, category: 'creature', health, radius, height, hostile: true, behaviour: 'wander', ...extra });

const character = (
  kind: string,
  nouns: string[],
  health: number,
  behaviour: Behaviour,
  extra: Partial<KindInfo> = {},
): KindInfo => ({ kind, nouns, category: 'character', health, behaviour, hostile: false, radius: 0.5, height: 1.8, ...extra });

const thing = (kind: string, nouns: string[], radius: number, height: number, extra: Partial<KindInfo> = {}): KindInfo => ({
  kind,
  nouns,
  category: 'object',
  radius,
  height,
  ...extra,
});

const light = (color: string, intensity: number, range: number) => ({ light: { color, intensity, range } });
const peaceful = { hostile: false };

export const KINDS: readonly KindInfo[] = [
  // Places. The first one a prompt names (once) becomes the scene and the root entity.
  place('dungeon', ['dungeon'], 12, 4),
  place('forest', ['forest', 'wood'], 15, 10, { massNouns: ['woods'] }),
  place('castle', ['castle', 'fortress', 'fort', 'citadel', 'stronghold'], 12, 15),
  place('cave', ['cave', 'cavern', 'grotto'], 8, 5),
  place('village', ['village', 'hamlet'], 15, 6),
  place('town', ['town'], 18, 8),
  place('city', ['city'], 20, 20),
  place('room', ['room', 'chamber'], 6, 4),
  place('throne-room', ['throne room'], 8, 6),
  place('hall', ['hall', 'great hall'], 8, 6),
  place('tavern', ['tavern', 'inn', 'pub'], 6, 5),
  place('temple', ['temple', 'shrine', 'church', 'chapel', 'cathedral'], 8, 10),
  place('crypt', ['crypt', 'catacomb'], 6, 3),
  place('tomb', ['tomb', 'mausoleum'], 4, 3),
  place('graveyard', ['graveyard', 'cemetery'], 10, 2),
  place('swamp', ['swamp', 'marsh', 'bog'], 14, 2),
  place('desert', ['desert'], 20, 2),
  place('island', ['island'], 12, 3),
  place('mountain', ['mountain', 'hill'], 15, 30),
  place('valley', ['valley'], 15, 2),
  place('jungle', ['jungle'], 15, 12),
  place('clearing', ['clearing', 'glade'], 8, 1),
  place('meadow', ['meadow', 'field', 'plain', 'grassland'], 12, 1),
  place('beach', ['beach', 'shore', 'coast'], 12, 1),
  place('lake', ['lake'], 10, 1),
  place('camp', ['camp', 'campsite', 'encampment'], 6, 2),
  place('mine', ['mine'], 6, 4),
  place('library', ['library'], 6, 5),
  place('arena', ['arena', 'colosseum'], 10, 6),
  place('garden', ['garden', 'courtyard'], 8, 2),
  place('farm', ['farm'], 10, 4),
  place('market', ['market', 'marketplace', 'bazaar'], 10, 4),
  place('palace', ['palace'], 14, 15),
  place('tower', ['tower'], 4, 20),
  place('lair', ['lair', 'den', 'nest'], 6, 3),
  place('cellar', ['cellar', 'basement'], 5, 3),
  place('house', ['house', 'cottage', 'cabin', 'hut'], 3, 4),
  place('shop', ['shop', 'store', 'smithy', 'forge'], 3, 4),
  place('ship', ['ship', 'boat'], 6, 6),
  place('ruins', ['ruin'], 10, 4, { massNouns: ['ruins'] }),
  place('world', ['world', 'land', 'realm', 'kingdom'], 50, 1),

  // Creatures.
  creature('dragon', ['dragon', 'drake'], 300, 4, 5),
  creature('wyvern', ['wyvern'], 180, 3, 4),
  creature('hydra', ['hydra'], 350, 3, 5),
  creature('goblin', ['goblin'], 30, 0.5, 1.2),
  creature('hobgoblin', ['hobgoblin'], 45, 0.5, 1.6),
  creature('kobold', ['kobold'], 25, 0.4, 1),
  creature('imp', ['imp'], 25, 0.4, 0.8),
  creature('orc', ['orc'], 60, 0.6, 2),
  creature('troll', ['troll'], 150, 1, 3),
  creature('ogre', ['ogre'], 120, 1, 3),
  creature('giant', ['giant'], 250, 1.5, 6),
  creature('cyclops', ['cyclops'], 200, 1.5, 6, { plurals: ['cyclopes', 'cyclopses'] }),
  creature('minotaur', ['minotaur'], 160, 1, 2.8),
  creature('wolf', ['wolf'], 40, 0.6, 1, { plurals: ['wolves'] }),
  creature('werewolf', ['werewolf'], 90, 0.7, 2, { plurals: ['werewolves'] }),
  creature('bear', ['bear'], 90, 1, 1.6),
  creature('boar', ['boar'], 35, 0.6, 1),
  creature('spider', ['spider'], 20, 0.5, 0.5),
  creature('scorpion', ['scorpion'], 20, 0.5, 0.5),
  creature('snake', ['snake', 'viper'], 12, 0.4, 0.3),
  creature('serpent', ['serpent'], 80, 1, 1),
  creature('rat', ['rat'], 5, 0.2, 0.2),
  creature('mouse', ['mouse'], 3, 0.1, 0.1, { plurals: ['mice'], ...peaceful }),
  creature('bat', ['bat'], 8, 0.3, 0.3, { elevation: 4 }),
  creature('slime', ['slime', 'ooze'], 15, 0.5, 0.5),
  creature('skeleton', ['skeleton'], 35, 0.5, 1.8),
  creature('zombie', ['zombie'], 45, 0.5, 1.8),
  creature('ghost', ['ghost', 'spirit', 'phantom', 'spectre', 'specter'], 40, 0.5, 1.8, { elevation: 1 }),
  creature('wraith', ['wraith'], 70, 0.5, 2, { elevation: 1 }),
  creature('mummy', ['mummy'], 60, 0.5, 1.8),
  creature('vampire', ['vampire'], 100, 0.5, 1.8),
  creature('lich', ['lich'], 200, 0.6, 2),
  creature('demon', ['demon', 'devil', 'fiend'], 200, 1, 3),
  creature('golem', ['golem'], 220, 1.2, 3),
  creature('basilisk', ['basilisk'], 140, 1.5, 1),
  creature('griffin', ['griffin', 'griffon', 'gryphon'], 120, 1.5, 2),
  creature('phoenix', ['phoenix'], 100, 1, 1.5, { plurals: ['phoenixes'], elevation: 3, ...peaceful }),
  creature('unicorn', ['unicorn'], 80, 1, 2, peaceful),
  creature('horse', ['horse', 'pony', 'steed'], 50, 1, 2, peaceful),
  creature('deer', ['deer', 'stag'], 30, 0.8, 1.5, { plurals: ['deer'], hostile: false, behaviour: 'flee' }),
  creature('fox', ['fox'], 15, 0.4, 0.5, peaceful),
  creature('owl', ['owl'], 10, 0.3, 0.4, { elevation: 3, ...peaceful }),
  creature('raven', ['raven', 'crow'], 5, 0.2, 0.3, { elevation: 3, ...peaceful }),
  creature('chicken', ['chicken', 'hen', 'rooster'], 5, 0.2, 0.4, peaceful),
  creature('cow', ['cow'], 40, 1, 1.5, { plurals: ['cattle'], ...peaceful }),
  creature('sheep', ['sheep'], 25, 0.6, 1, { plurals: ['sheep'], ...peaceful }),
  creature('dog', ['dog', 'hound'], 20, 0.4, 0.6, peaceful),
  creature('cat', ['cat'], 10, 0.3, 0.4, peaceful),
  creature('frog', ['frog', 'toad'], 5, 0.2, 0.2, peaceful),
  creature('fish', ['fish'], 3, 0.2, 0.2, { plurals: ['fish', 'fishes'], ...peaceful }),

  // Characters.
  character('knight', ['knight', 'paladin'], 100, 'patrol'),
  character('soldier', ['soldier', 'warrior', 'fighter'], 80, 'patrol'),
  character('guard', ['guard', 'sentry', 'sentinel', 'watchman'], 80, 'guard', { plurals: ['watchmen'] }),
  character('archer', ['archer', 'ranger'], 60, 'guard'),
  character('wizard', ['wizard', 'mage', 'sorcerer', 'magician', 'warlock'], 60, 'idle'),
  character('witch', ['witch', 'sorceress'], 55, 'idle'),
  character('necromancer', ['necromancer'], 65, 'idle', { hostile: true }),
  character('cultist', ['cultist'], 40, 'patrol', { hostile: true }),
  character('merchant', ['merchant', 'trader', 'shopkeeper', 'vendor', 'peddler'], 40, 'trade'),
  character('innkeeper', ['innkeeper', 'barkeep', 'bartender', 'tavernkeeper'], 40, 'trade'),
  character('blacksmith', ['blacksmith', 'smith'], 70, 'idle'),
  character('king', ['king', 'emperor', 'lord'], 70, 'idle'),
  character('queen', ['queen', 'empress', 'lady'], 70, 'idle'),
  character('prince', ['prince'], 60, 'idle'),
  character('princess', ['princess'], 50, 'idle'),
  character('priest', ['priest', 'cleric', 'monk', 'nun', 'healer'], 50, 'idle'),
  character('villager', ['villager', 'peasant', 'townsperson', 'farmer', 'fisherman'], 40, 'wander', {
    plurals: ['townsfolk', 'townspeople', 'fishermen'],
  }),
  character('child', ['child', 'kid'], 20, 'wander', { plurals: ['children'], radius: 0.3, height: 1.2 }),
  character('thief', ['thief', 'rogue', 'pickpocket'], 45, 'wander', { plurals: ['thieves'], hostile: true }),
  character('bandit', ['bandit', 'brigand', 'outlaw', 'raider'], 50, 'patrol', { hostile: true }),
  character('pirate', ['pirate'], 55, 'patrol', { hostile: true }),
  character('assassin', ['assassin'], 70, 'wander', { hostile: true }),
  character('hunter', ['hunter'], 55, 'wander'),
  character('adventurer', ['adventurer', 'hero', 'explorer', 'traveler', 'traveller'], 80, 'wander', { plurals: ['heroes'] }),
  character('bard', ['bard', 'minstrel'], 45, 'wander'),
  character('alchemist', ['alchemist'], 45, 'idle'),
  character('elf', ['elf'], 60, 'wander', { plurals: ['elves'] }),
  character('dwarf', ['dwarf'], 90, 'idle', { plurals: ['dwarves', 'dwarfs'], height: 1.3 }),

  // Containers.
  thing('treasure-chest', ['treasure chest', 'treasure box', 'chest of treasure'], 0.6, 0.8, { container: true }),
  thing('chest', ['chest', 'trunk'], 0.6, 0.8, { container: true }),
  thing('barrel', ['barrel', 'cask', 'keg'], 0.4, 1, { container: true }),
  thing('crate', ['crate', 'box'], 0.5, 1, { container: true }),
  thing('sack', ['sack', 'bag'], 0.3, 0.5, { container: true }),
  thing('urn', ['urn', 'vase', 'pot'], 0.3, 0.6, { container: true }),
  thing('cauldron', ['cauldron'], 0.6, 0.8, { container: true }),
  thing('coffin', ['coffin', 'sarcophagus'], 0.6, 0.7, { container: true, plurals: ['sarcophagi'] }),
  thing('bookshelf', ['bookshelf', 'bookcase'], 0.6, 2, { container: true, plurals: ['bookshelves'] }),
  thing('wardrobe', ['wardrobe', 'cupboard', 'cabinet'], 0.6, 2, { container: true }),

  // Light sources.
  thing('torch', ['torch'], 0.1, 1.5, light('#ffaa55', 1.5, 8)),
  thing('lantern', ['lantern'], 0.2, 0.4, light('#ffd27f', 1, 6)),
  thing('lamp', ['lamp', 'lamppost', 'streetlamp'], 0.2, 2.5, light('#fff2cc', 1, 8)),
  thing('candle', ['candle'], 0.05, 0.2, light('#ffcc88', 0.5, 3)),
  thing('campfire', ['campfire', 'bonfire', 'fire', 'fireplace', 'hearth'], 0.8, 0.5, light('#ff8c3a', 3, 12)),
  thing('brazier', ['brazier'], 0.4, 1.2, light('#ff9944', 2, 10)),
  thing('crystal', ['crystal'], 0.3, 0.8, light('#88ccff', 1, 6)),
  thing('portal', ['portal', 'gateway'], 1, 3, light('#aa66ff', 2, 8)),

  // Nature.
  thing('tree', ['tree'], 1, 6, { scatter: true }),
  thing('rock', ['rock', 'stone'], 0.6, 0.6, { scatter: true }),
  thing('boulder', ['boulder'], 1.2, 1.5, { scatter: true }),
  thing('bush', ['bush', 'shrub', 'hedge'], 0.6, 1, { scatter: true }),
  thing('mushroom', ['mushroom', 'toadstool'], 0.2, 0.3, { scatter: true }),
  thing('flower', ['flower'], 0.1, 0.3, { scatter: true }),
  thing('log', ['log'], 0.5, 0.5, { scatter: true }),
  thing('stump', ['stump'], 0.4, 0.5, { scatter: true }),
  thing('cactus', ['cactus'], 0.5, 2, { scatter: true, plurals: ['cacti', 'cactuses'] }),
  thing('pond', ['pond', 'pool', 'spring'], 3, 0.2),

  // Structures and furniture.
  thing('door', ['door', 'doorway'], 0.6, 2.2),
  thing('gate', ['gate', 'portcullis'], 1.5, 3),
  thing('wall', ['wall'], 2, 3),
  thing('bridge', ['bridge'], 3, 1),
  thing('well', ['well'], 0.8, 1),
  thing('fountain', ['fountain'], 1.5, 2),
  thing('statue', ['statue', 'idol', 'monument'], 0.6, 2.5),
  thing('altar', ['altar'], 1, 1),
  thing('pillar', ['pillar', 'column', 'obelisk'], 0.5, 4),
  thing('throne', ['throne'], 0.8, 2),
  thing('table', ['table', 'desk'], 1, 0.8),
  thing('chair', ['chair', 'stool', 'bench'], 0.4, 1),
  thing('bed', ['bed'], 1, 0.6),
  thing('tent', ['tent'], 1.5, 2),
  thing('cart', ['cart', 'wagon', 'carriage'], 1, 1.2),
  thing('signpost', ['signpost', 'sign'], 0.2, 1.5),
  thing('staircase', ['staircase', 'stairway'], 1, 3, { massNouns: ['stairs'] }),
  thing('ladder', ['ladder'], 0.3, 3),
  thing('banner', ['banner', 'flag'], 0.3, 3),
  thing('lever', ['lever'], 0.1, 1),
  thing('trap', ['trap', 'pit'], 0.5, 0.1),
  thing('cage', ['cage'], 0.8, 2),
  thing('anvil', ['anvil'], 0.4, 0.8),
  thing('grave', ['grave', 'tombstone', 'gravestone', 'headstone'], 0.5, 1, { scatter: true }),
  thing('windmill', ['windmill'], 3, 8),

  // Items.
  thing('treasure', ['treasure', 'gold', 'pile of gold', 'gold pile', 'hoard', 'loot'], 0.5, 0.4),
  thing('key', ['key'], 0.05, 0.1),
  thing('sword', ['sword', 'blade'], 0.1, 1),
  thing('axe', ['axe'], 0.1, 0.8),
  thing('bow', ['bow'], 0.1, 1),
  thing('staff', ['staff', 'wand'], 0.1, 1.6, { plurals: ['staves', 'staffs'] }),
  thing('shield', ['shield'], 0.3, 0.8),
  thing('helmet', ['helmet', 'helm'], 0.15, 0.3),
  thing('armor', ['armor', 'armour', 'suit of armor', 'suit of armour'], 0.4, 1.8),
  thing('potion', ['potion', 'flask', 'vial'], 0.05, 0.2),
  thing('scroll', ['scroll'], 0.05, 0.1),
  thing('book', ['book', 'tome', 'spellbook', 'grimoire'], 0.1, 0.1),
  thing('map', ['map'], 0.1, 0.01),
  thing('coin', ['coin'], 0.02, 0.01),
  thing('gem', ['gem', 'jewel', 'ruby', 'emerald', 'diamond', 'sapphire'], 0.03, 0.03),
  thing('crown', ['crown'], 0.1, 0.15),
  thing('amulet', ['amulet', 'necklace', 'talisman'], 0.05, 0.05),
  thing('skull', ['skull'], 0.1, 0.2, { scatter: true }),
  thing('bone', ['bone'], 0.1, 0.05, { scatter: true }),
];

/** Size adjectives and the scale factor each applies. */
export const SIZE_FACTORS: Readonly<Record<string, number>> = {
  tiny: 0.25,
  miniature: 0.25,
  minuscule: 0.25,
  small: 0.5,
  little: 0.5,
  large: 2,
  big: 2,
  great: 2,
  huge: 3,
  enormous: 3,
  giant: 3,
  gigantic: 3,
  massive: 3,
  immense: 3,
  colossal: 4,
};

/** Colour adjectives become the mesh's colour as well as a tag. */
export const COLOURS = new Set([
  'red', 'blue', 'green', 'black', 'white', 'golden', 'gold', 'silver', 'gray', 'grey', 'purple', 'yellow',
  'orange', 'brown', 'crimson', 'scarlet', 'pink', 'violet', 'bronze', 'copper', 'emerald', 'azure', 'ivory',
  'obsidian', 'jade',
]);

/** Tags that change what a creature or character does. */
export const BEHAVIOUR_TAGS: Readonly<Record<string, { behaviour?: Behaviour; hostile?: boolean }>> = {
  sleeping: { behaviour: 'idle' },
  resting: { behaviour: 'idle' },
  dormant: { behaviour: 'idle' },
  patrolling: { behaviour: 'patrol' },
  wandering: { behaviour: 'wander' },
  roaming: { behaviour: 'wander' },
  frightened: { behaviour: 'flee', hostile: false },
  scared: { behaviour: 'flee', hostile: false },
  fleeing: { behaviour: 'flee', hostile: false },
  friendly: { hostile: false },
  peaceful: { hostile: false },
  tame: { hostile: false },
  gentle: { hostile: false },
  hostile: { hostile: true },
  evil: { hostile: true },
  angry: { hostile: true },
  fierce: { hostile: true },
  savage: { hostile: true },
  vicious: { hostile: true },
};

export const NUMBER_WORDS: Readonly<Record<string, number>> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
  eighteen: 18, nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70,
  eighty: 80, ninety: 90,
};

/** Words that multiply the count before them (a pair of = 2, two dozen = 24, a pack of = 5). */
export const MULTIPLIERS: Readonly<Record<string, number>> = {
  dozen: 12, hundred: 100, pair: 2, couple: 2, group: 4, pack: 5, band: 5, horde: 10, herd: 6,
  flock: 6, swarm: 10, gang: 4, squad: 5, troop: 6, party: 4, colony: 8, army: 20, row: 5, line: 5,
  circle: 6, ring: 6, stack: 3, cluster: 5, grove: 7, bunch: 5, handful: 5, crowd: 8, family: 4,
  patrol: 4, company: 10, legion: 30, host: 12, set: 4, collection: 5, heap: 3,
};

/** Words that set a count outright (several = 3, a few = 3, many = 6, no = 0). */
export const QUANTIFIERS: Readonly<Record<string, number>> = {
  few: 3, several: 3, some: 3, multiple: 3, various: 3, many: 6, numerous: 6, plenty: 6, lots: 8, lot: 8,
  countless: 20, no: 0, none: 0, both: 2, single: 1,
};

export type RelationType = 'guard' | 'around' | 'inside' | 'on' | 'near' | 'facing';

export interface RelationInfo {
  type: RelationType;
  /** "X guarded by Y" means Y guards X. */
  reverse: boolean;
}

/** Relation phrases, each a list of words; the longest phrase that matches wins. */
export const RELATIONS: readonly [string, RelationInfo][] = [
  ...(['guarding', 'protecting', 'protect', 'protects', 'defending', 'defend', 'defends', 'watching over',
    'watches over', 'watch over', 'standing guard over', 'standing guard around', 'keeping watch over',
    'keep watch over', 'guard over', 'blocking', 'blocks', 'block'] as const).map(
    (p) => [p, { type: 'guard', reverse: false }] as [string, RelationInfo],
  ),
  ...(['guarded by', 'protected by', 'defended by', 'watched by', 'watched over by', 'blocked by'] as const).map(
    (p) => [p, { type: 'guard', reverse: true }] as [string, RelationInfo],
  ),
  ...(['around', 'round', 'all around', 'surrounding', 'surround', 'surrounds', 'encircling', 'encircle',
    'encircles', 'circling', 'circle around', 'circle round', 'in a circle around', 'in a ring around',
    'in a circle round', 'in a ring round', 'ringing', 'flanking', 'flank', 'flanks'] as const).map(
    (p) => [p, { type: 'around', reverse: false }] as [string, RelationInfo],
  ),
  ...(['surrounded by', 'encircled by', 'ringed by', 'circled by', 'flanked by'] as const).map(
    (p) => [p, { type: 'around', reverse: true }] as [string, RelationInfo],
  ),
  ...(['inside', 'inside of', 'in', 'within', 'into', 'in the middle of', 'in the centre of', 'in the center of',
    'at the centre of', 'at the center of', 'deep in', 'deep inside', 'deep within', 'locked in', 'hidden in',
    'hidden inside', 'kept in', 'stored in'] as const).map(
    (p) => [p, { type: 'inside', reverse: false }] as [string, RelationInfo],
  ),
  ...(['containing', 'contains', 'contain', 'holding', 'holds', 'filled with', 'full of', 'housing', 'houses',
    'home to', 'stocked with'] as const).map((p) => [p, { type: 'inside', reverse: true }] as [string, RelationInfo]),
  ...(['on', 'onto', 'upon', 'atop', 'on top of', 'above', 'over', 'resting on', 'standing on', 'sitting on',
    'lying on', 'perched on', 'perched atop'] as const).map(
    (p) => [p, { type: 'on', reverse: false }] as [string, RelationInfo],
  ),
  ...(['near', 'nearby', 'near to', 'next to', 'beside', 'besides', 'by', 'close to', 'behind', 'in front of',
    'at', 'outside', 'outside of', 'beneath', 'under', 'underneath', 'below', 'alongside', 'against', 'among',
    'amongst', 'between', 'not far from', 'beyond', 'along'] as const).map(
    (p) => [p, { type: 'near', reverse: false }] as [string, RelationInfo],
  ),
  ...(['facing', 'looking at', 'staring at', 'watching', 'facing toward', 'facing towards', 'turned toward',
    'turned towards'] as const).map((p) => [p, { type: 'facing', reverse: false }] as [string, RelationInfo]),
];

/** Words that end one clause and start the next. */
export const SEPARATORS = new Set([
  'and', 'with', 'plus', 'also', 'while', 'whilst', 'where', 'but', 'then', 'including', 'featuring', 'has',
  'have', 'having',
]);

/** Words that are never tags (articles, pronouns, filler verbs...). */
export const STOPWORDS = new Set([
  'a', 'an', 'the', 'of', 'or', 'nor', 'to', 'for', 'from', 'is', 'are', 'was', 'were', 'be', 'been', 'being',
  'am', 'had', 'there', 'here', 'this', 'that', 'these', 'those', 'which', 'who', 'whom', 'whose', 'when', 'it',
  'its', 'they', 'them', 'their', 'he', 'she', 'his', 'her', 'we', 'our', 'you', 'your', 'my', 'i', 'me', 'very',
  'really', 'quite', 'so', 'too', 'just', 'only', 'than', 'as', 'each', 'every', 'all', 'any', 'more', 'most',
  'other', 'another', 'such', 'not', 'let', 'make', 'create', 'generate', 'build', 'show', 'give', 'please',
  'scene', 'level', 'map', 'stand', 'stands', 'standing', 'sit', 'sits', 'sitting', 'lie', 'lies', 'lying',
  'live', 'lives', 'living', 'located', 'placed', 'arranged', 'positioned', 'set', 'put', 'hidden', 'kept',
  'stored', 'found', 'can', 'could', 'will', 'would', 'should', 'may', 'might', 'must', 'do', 'does', 'did',
  'in', 'on', 'at', 'by', 'up', 'down', 'out', 'off', 'into', 'onto', 'about', 'like', 'what', 'how', 'why',
  'if', 'else', 'yes', 'ok', 'okay', 'lots', 'lot', 'half', 'dozens', 'hundreds',
]);

/** The irregular and regular plurals of a noun phrase (the last word is the one that changes). */
export function pluralsOf(phrase: string): string[] {
  const words = phrase.split(' ');
  // "suit of armor", "pile of gold", "chest of treasure": the head noun is the first word.
  const head = words.indexOf('of') > 0 ? words.indexOf('of') - 1 : words.length - 1;
  const word = words[head];
  let plural: string;
  if (/(?:s|x|z|ch|sh)$/.test(word)) plural = `${word}es`;
  else if (/[^aeiou]y$/.test(word)) plural = `${word.slice(0, -1)}ies`;
  else if (word.endsWith('man')) plural = `${word.slice(0, -3)}men`;
  else plural = `${word}s`;
  return [[...words.slice(0, head), plural, ...words.slice(head + 1)].join(' ')];
}
