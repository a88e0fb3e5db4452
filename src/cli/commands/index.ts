/** The list of CLI subcommands. One module per command; add one line here per command. */
import type { Command } from 'commander';

export function registerAll(program: Command): void {
  void program;
}
