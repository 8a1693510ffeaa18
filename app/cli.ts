// `glow-studio`: the studio's command line over the same core the desktop app uses.
//
// Exit codes: 0 ok, 1 unexpected failure, 2 bad command line, 3 unreadable or invalid input
// file (for import and batch: some photos failed), 4 invalid model bundle, 5 requested device
// unavailable, 130 interrupted.
import { EXIT, InputError, UsageError, type Command } from './cli/args.js';
import { engineCommands } from './cli/engine-commands.js';
import { facesCommands } from './cli/faces-commands.js';
import { libraryCommands } from './cli/library-commands.js';
import { BundleError } from './engine/bundle.js';
import { AbortError } from './engine/engine.js';
import { OutputFolderError } from './jobs/output-folder.js';
import { DeviceError } from './engine/execution-provider.js';
import { ImageFileError } from './imaging/image-files.js';

const HELP = `glow-studio: edit faces with a Glow model, offline

Usage: glow-studio <command> [options]

Commands:
  info [bundle]                      model facts, the device that ran, a round-trip self-test
                                     [--reference DIR: compare with PyTorch's outputs, from evaluate.py]
  sample --out grid.png              random new faces  [--count 16] [--temperature 0.7] [--seed N]
  encode <image> --out eps.bin       an aligned face crop -> its latent (float32)
  decode <eps.bin> --out face.png    a latent -> a face image
  roundtrip <image> [--out pair.png] encode then decode; prints the reconstruction error
  mix <a> <b> --out strip.png        blend two aligned faces  [--steps 8] [--weights 0,0,1,1]
  demo [--out dir]                   the bundled-defaults demo that \`npm start\` runs
  faces <photo>                      find faces: boxes, landmarks, scores  [--overlay out.png] [--json] [--min-face 40]
  align <folder...> --out <dir>      aligned face crops + faces.csv per folder (resumable)  [--size 64] [--min-face 20]

Library and batch editing (library: --library <file|dir>, else $GLOW_STUDIO_LIBRARY, else the
user data folder):
  import [folder]                    add new/changed photos, faces and latents (rescans are incremental);
                                     no folder: new photos in every folder imported before
                                     [--small-faces]: look down to smaller-faces' size (slower;
                                     the studio's setting of the library, if on, does too)
  photos [folder]                    photos in the library with their face ids and dates taken
                                     [--json] [--order name|newest|oldest] (default: by name)
         [--with|--without <attr>]   only those with a face that has (has not) it, as the model
                                     reads the faces (attributes it can find) and tags correct it,
                                     the clearest first
  remove <folder> --yes              take the folder and its subfolders out of the library, with
                                     their faces, tags and edits (the files stay; without --yes,
                                     says what would go)
  rotate <photo-id...> --by 90|180|270|auto   turn photos the face finder read wrong (on their
                                     side, upside down) clockwise, and find their faces again
                                     (auto: for a photo with no faces found, the turn at which
                                     upright faces are found); the files are not changed, the
                                     turn is kept in the library
  rotate --upright                   turn upright every photo whose faces all lie on their side,
                                     or look upside down to the model
  rotate <photo-id...> --keep        those photos are upright as they are (people lying down):
                                     no longer marked, and left alone by --upright
  smaller-faces <photo-id...>|--all  look again for faces smaller than an import looks for (the
                                     back rows of a group photo) and add them; the faces found
                                     already keep their tags and edits (--all: every photo)
                                     [--bring-back]: the faces removed with remove-face too
  remove-face <face-id...>           take faces out of their photos (a false find, a face never
                                     to edit), with their tags and edits; looking for faces
                                     again passes over them (the files are not changed)
  tag <face-id...> --attr NAME --yes|--no|--remove
  derive <name>                      a direction from tagged faces, with leave-one-out accuracy
                                     [--project-out age,male] [--method mean|ridge|best]
  derive <name> --remove             delete a derived attribute: saved edits lose its slider, its
                                     tags stay
  edit <face-id...> --set smile=0.6  save the faces' recipe (all the faces of a group photo, say)
                                     [--mix-face <id> --mix 0.5|0,0,1,1]
  export <photo-id...>|--all --out <dir>   photos with their saved edits
  batch <folder> --set smile=0.6 --set age=-0.3 --out <dir>
                                     edit every face of every photo; resumable job
                                     [--mix-with face.jpg --mix 0.5] [--min-face px] [--concurrency N]
                                     [--small-faces]: as import's (the library's setting too)
                                     [--only-with|--only-without <attr>]: only the faces the model
                                     reads as having it (not having it); see photos --with
                                     (the same command again resumes it; --again redoes a done one)
  jobs [list | show <id> | resume <id> | cancel <id>]
  export/batch options: --format jpeg|png|webp|same  --quality 92  --max-side px
                        --metadata keep|strip|strip-gps (default strip-gps; ICC kept)
                        --name '{name}-{attrs}' (tokens {name} {attrs} {n}; never overwrites)

Common options:
  --bundle <dir>     model bundle folder (default: ${'models/bundles/face-64'}, else the test fixture)
  --device <d>       auto | cuda | cpu (default auto: CUDA when it loads, else CPU)
  -h, --help         this help

Exit codes: 0 ok, 1 failure, 2 bad command line, 3 bad input file (import, batch: some
photos failed, each is listed), 4 bad model bundle, 5 device unavailable, 130 interrupted.
`;

const COMMANDS: Record<string, Command> = { ...engineCommands, ...facesCommands, ...libraryCommands };

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    console.log(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command '${command}' (run glow-studio --help)`);
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(HELP);
      return EXIT.ok;
    }
    return (await run(rest)) ?? EXIT.ok;
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof UsageError || err instanceof OutputFolderError) return fail(EXIT.usage, message);
    if (err instanceof InputError || err instanceof ImageFileError) return fail(EXIT.input, message);
    if (err instanceof BundleError) return fail(EXIT.bundle, `model bundle: ${message}`);
    if (err instanceof DeviceError) return fail(EXIT.device, message);
    if (err instanceof AbortError) return fail(EXIT.interrupted, 'cancelled');
    if (process.env.GLOW_STUDIO_DEBUG) console.error(err);
    return fail(EXIT.failure, message);
  }
}

function fail(code: number, message: string): number {
  console.error(`glow-studio: ${message}`);
  return code;
}
