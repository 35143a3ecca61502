import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { count } from '../../cli/game-output.js';

export default class GameGenerate extends RaosCommand {
  static summary = 'Create a scene from a sentence: a plan of entities with transforms and components, then the scene.';
  static description = `The rules provider (the default, game.provider) reads the sentence itself, offline; the same prompt and --seed always give the same plan. The openai provider asks an OpenAI-compatible model (game.openai.baseUrl, .model, .apiKey, .timeoutMs; Ollama and llama.cpp work) and checks its answer like any other input.

--dry-run prints the plan without writing anything. Without --seed a random seed is used and printed, so the world can be made again.`;
  static examples = [
    '<%= config.bin %> game generate "a dark dungeon with three dragons guarding a treasure chest"',
    '<%= config.bin %> game generate "a quiet village by a lake" --seed 7 --dry-run --json',
    '<%= config.bin %> game generate "a desert outpost with two traders" --provider openai --name outpost',
  ];
  static access = 'write' as const;
  static args = { prompt: Args.string({ description: 'What the world holds, in a sentence (3-1000 characters).', required: true }) };
  static flags = {
    seed: Flags.integer({ summary: 'Seed for a reproducible plan (0 to 2147483647). Default: random.' }),
    provider: Flags.string({ summary: 'Who plans the world. Default: game.provider (rules).', options: ['rules', 'openai'] }),
    'dry-run': Flags.boolean({ summary: 'Print the plan; write nothing.' }),
    name: Flags.string({ summary: "Name of the new scene. Default: the plan's." }),
  };

  async run() {
    const { args, flags } = await this.parse(GameGenerate);
    const { client } = await this.connect(flags);
    const result = await client.game.generate({
      prompt: args.prompt,
      seed: flags.seed,
      provider: flags.provider as 'rules' | 'openai' | undefined,
      dryRun: flags['dry-run'],
      name: flags.name,
    });
    this.log(result.summary);
    if (result.dryRun) this.log(`dry run: nothing written (seed ${result.seed})`);
    else this.log(`created scene ${result.scene.name} (${result.scene.id}) with ${count(result.entities.length, 'entity', 'entities')} (seed ${result.seed})`);
    return result;
  }
}
