export async function runDevnet(_argv: string[]): Promise<number> {
  return 1;
}
