// A Dockerfile replayed without a container engine: each stage is a folder standing for the image's root
// filesystem, and the instructions run against those folders, so that a test can run what the image would
// hold with the command the image would run. The base images' own files are not there: the replay stands in
// for them with the host's (the Node 24 the project pins, on PATH for RUN and mapped from the image's path
// for ENTRYPOINT). An instruction, flag or form the replayer does not know fails the replay, naming its line:
// a change to the Dockerfile changes what is replayed, or stops the test, never silently differs.
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, stat } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  /** The line it starts on (1-based), for error messages. */
  line: number;
  /** Upper-cased: `FROM`, `COPY`, … */
  keyword: string;
  /** The rest of the instruction, trimmed. */
  rest: string;
}

/** Split a Dockerfile into instructions: comments and blank lines dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    // A comment inside a continuation is dropped too, as BuildKit does.
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continued = trimmed.endsWith('\\');
    const part = (continued ? trimmed.slice(0, -1) : trimmed).trim();
    pending = pending ? { line: pending.line, text: `${pending.text} ${part}` } : { line: index + 1, text: part };
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text.trim());
    if (match) instructions.push({ line: pending.line, keyword: match[1]!.toUpperCase(), rest: match[2]!.trim() });
    pending = undefined;
  });
  if (pending) throw new Error(`Dockerfile line ${pending.line}: the last instruction ends with a continuation`);
  return instructions;
}

/** What the replay needs besides the Dockerfile. */
export interface ReplayOptions {
  /** The build context: the project's folder, as `docker build <context>` gets it. */
  context: string;
  /** Where the stage folders are made (an empty folder the caller removes). */
  root: string;
  /** Host paths of the base images' files the replayed image runs, by their path in the image (`/nodejs/bin/node`). */
  imagePaths: Record<string, string>;
  /** The environment of RUN's shell (the base image's PATH is the host's: put Node 24 first). */
  runEnv: NodeJS.ProcessEnv;
  /** One line per instruction replayed. */
  log?: (line: string) => void;
}

/** The final stage of a replayed Dockerfile: its folder, and how the image's container would start. */
export interface ReplayedImage {
  /** The folder standing for the image's root filesystem. */
  root: string;
  /** The host folder of the final WORKDIR: where the ENTRYPOINT runs. */
  workdir: string;
  /** The final USER (numeric, as the replay has no /etc/passwd); root when the Dockerfile sets none. */
  user: { uid: number; gid: number };
  /** The ENTRYPOINT as the image has it (exec form). */
  entrypoint: string[];
  /** The ENTRYPOINT with its executable mapped to the host (`imagePaths`), ready to spawn. */
  command: string[];
}

interface Stage {
  name: string | undefined;
  root: string;
  /** The WORKDIR as the image sees it (absolute, POSIX). */
  workdir: string;
  user: { uid: number; gid: number };
  entrypoint: string[] | undefined;
}

/**
 * Replay `dockerfile` (its text) against `options.context`, returning the final stage. Knows FROM (`AS name`;
 * a base image is an empty folder, a previous stage's name a copy of its folder), WORKDIR, COPY (`--from=stage`),
 * RUN (shell form, run by `sh -c` in the stage's WORKDIR), USER (numeric) and ENTRYPOINT (exec form); anything
 * else throws. RUN's absolute paths are the host's: the replay fits build steps that work in their WORKDIR.
 */
export async function replayDockerfile(dockerfile: string, options: ReplayOptions): Promise<ReplayedImage> {
  const log = options.log ?? (() => undefined);
  const stages: Stage[] = [];
  for (const instruction of parseDockerfile(dockerfile)) {
    const where = `Dockerfile line ${instruction.line} (${instruction.keyword} ${instruction.rest})`;
    const fail = (problem: string): never => {
      throw new Error(`${where}: ${problem}; teach e2e/support/dockerfile-replay.ts to replay it`);
    };
    const stage = stages.at(-1);
    if (instruction.keyword !== 'FROM' && !stage) fail('an instruction before the first FROM');
    log(`replay ${instruction.line}: ${instruction.keyword} ${instruction.rest}`);
    switch (instruction.keyword) {
      case 'FROM': {
        const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.rest);
        if (!match || match[1]!.startsWith('--')) fail('only `FROM image [AS name]` is replayed');
        const [, image, name] = match!;
        const root = join(options.root, `stage-${stages.length}${name ? `-${name}` : ''}`);
        const previous = stages.find((s) => s.name === image);
        if (previous) await cp(previous.root, root, { recursive: true, verbatimSymlinks: true });
        else await mkdir(root, { recursive: true });
        await chmod(root, 0o755);
        stages.push({
          name,
          root,
          workdir: previous?.workdir ?? '/',
          user: previous?.user ?? { uid: 0, gid: 0 },
          entrypoint: previous?.entrypoint,
        });
        break;
      }
      case 'WORKDIR': {
        stage!.workdir = posix.resolve(stage!.workdir, instruction.rest);
        await makeDirs(stage!.root, stage!.workdir);
        break;
      }
      case 'COPY': {
        const words = instruction.rest.split(/\s+/);
        let from: Stage | undefined;
        while (words[0]?.startsWith('--')) {
          const flag = words.shift()!;
          const fromName = /^--from=(.+)$/.exec(flag)?.[1];
          if (fromName === undefined) fail(`the flag ${flag} is not replayed`);
          from = stages.find((s) => s.name === fromName) ?? fail(`no earlier stage is named ${fromName}`);
        }
        if (words.length < 2 || words.some((w) => /[*?[]/.test(w) || w.startsWith('[')))
          fail('only `COPY [--from=stage] src... dest` without wildcards is replayed');
        const dest = words.pop()!;
        const destInImage = posix.resolve(stage!.workdir, dest);
        const intoDir = dest.endsWith('/') || words.length > 1;
        for (const source of words) {
          // A source is read from the context, or from the other stage's filesystem (relative to its root there).
          const hostSource = from ? join(from.root, posix.resolve('/', source)) : join(options.context, source);
          if (!from && relative(options.context, hostSource).startsWith('..')) fail(`${source} is outside the context`);
          const info = await stat(hostSource).catch(() =>
            fail(`${source} does not exist in ${from ? `stage ${from.name}` : 'the context'}`),
          );
          // A file goes into dest when dest is (or is to be) a folder, else it becomes dest.
          const destIsDir =
            intoDir ||
            (await stat(join(stage!.root, destInImage)).then(
              (d) => d.isDirectory(),
              () => false,
            ));
          const targetInImage = destIsDir && !info.isDirectory() ? posix.join(destInImage, posix.basename(source)) : destInImage;
          await makeDirs(stage!.root, posix.dirname(targetInImage));
          // A directory's contents go into dest, as Docker copies them; symlinks are copied as links.
          await cp(hostSource, join(stage!.root, targetInImage), { recursive: true, verbatimSymlinks: true });
        }
        break;
      }
      case 'RUN': {
        if (instruction.rest.startsWith('[') || instruction.rest.startsWith('--'))
          fail('only the shell form of RUN, without flags, is replayed');
        await runShell(instruction.rest, join(stage!.root, stage!.workdir), options.runEnv, where);
        break;
      }
      case 'USER': {
        const match = /^(\d+)(?::(\d+))?$/.exec(instruction.rest);
        if (!match) fail('only a numeric USER uid[:gid] is replayed (there is no /etc/passwd to look a name up in)');
        stage!.user = { uid: Number(match![1]), gid: Number(match![2] ?? match![1]) };
        break;
      }
      case 'ENTRYPOINT': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(instruction.rest);
        } catch {
          fail('only the exec (JSON array) form of ENTRYPOINT is replayed');
        }
        if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((w) => typeof w === 'string'))
          fail('ENTRYPOINT must be a non-empty array of strings');
        stage!.entrypoint = parsed as string[];
        break;
      }
      default:
        fail(`the instruction ${instruction.keyword} is not replayed`);
    }
  }
  const final = stages.at(-1);
  if (!final) throw new Error('the Dockerfile has no FROM');
  if (!final.entrypoint) throw new Error('the final stage has no ENTRYPOINT');
  const [executable, ...args] = final.entrypoint;
  const hostExecutable = options.imagePaths[executable!];
  if (hostExecutable === undefined) {
    throw new Error(`the ENTRYPOINT's executable ${executable} is a base image's file the replay has no stand-in for (imagePaths)`);
  }
  return {
    root: final.root,
    workdir: join(final.root, final.workdir),
    user: final.user,
    entrypoint: final.entrypoint,
    command: [hostExecutable, ...args],
  };
}

/** `mkdir -p` of an image path inside a stage folder, each new folder 0755 as Docker makes them. */
async function makeDirs(stageRoot: string, imagePath: string): Promise<void> {
  let current = stageRoot;
  for (const part of imagePath.split('/').filter(Boolean)) {
    current = join(current, part);
    await mkdir(current, { recursive: true });
    await chmod(current, 0o755);
  }
}

function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${where} failed (${signal ?? `exit ${code}`}) in ${cwd}:\n${output.slice(-4000)}`)),
    );
  });
}
