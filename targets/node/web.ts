import type { CliOptions } from './cli.ts';

export async function webMain(_o: CliOptions): Promise<number> {
  process.stderr.write('run: the web node is not built yet\n');
  return 2;
}
