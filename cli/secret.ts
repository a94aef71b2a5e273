/**
 * Reading a secret without echoing it: piped standard input is read whole; on a terminal the user
 * is prompted and what they type is not shown.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    stdin.setEncoding('utf8');
    for await (const chunk of stdin) text += String(chunk);
    return text.trim();
  }
  // Echo the prompt, then nothing of what is typed.
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(prompt, (answer) => {
        process.stderr.write('\n');
        resolve(answer.trim());
      });
      muted = true;
    });
  } finally {
    rl.close();
  }
}
