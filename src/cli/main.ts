/// <reference types="node" />
// The `simdnn` command (bundled to dist/cli.js with commander and cli-progress
// inside, so the package keeps zero runtime dependencies).
//
// Exit codes: 0 success; 2 a mistake on the command line (unknown option or
// data name, missing file, bad number), one line on stderr; 1 a failure while
// running (bad CSV contents, corrupt model), one line on stderr unless it is
// an unexpected error, which prints its stack.
import { Command, CommanderError, Option } from 'commander';
import { SimdnnError, init } from '../node.js';
import { columnList, delimiterOption, existingPath, parseDataSpec } from './data.js';
import { evaluate } from './evaluate.js';
import { EXPLAIN_METHODS, SALIENCY_METHODS, explainCommand } from './explain.js';
import { byteSize, floatIn, intIn, labelColumn, UsageError, widths } from './options.js';
import { packageVersion, type Output } from './output.js';
import { predict } from './predict.js';
import { OPTIMIZERS, train } from './train.js';
import { parseNoise } from './autoencoder.js';
import { sample } from './sequence.js';

const out: Output = { log: (line) => process.stdout.write(`${line}\n`), progress: process.stderr };

// `simdnn predict ... | head` closes stdout early: stop quietly, as other Unix tools do.
process.stdout.on('error', (err: Error & { code?: string }) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

const program = new Command('simdnn')
  .description('Train, evaluate and run simdnn neural networks (WebAssembly SIMD, CPU only).')
  .version(packageVersion(), '-v, --version')
  .exitOverride()
  .configureOutput({
    // One line per error: commander puts its "(Did you mean --epochs?)" hint on a second one.
    outputError: (message, write) => write(`simdnn: ${message.trimEnd().replace(/\n+/g, ' ')}\n`),
  })
  .showSuggestionAfterError(true)
  .option('--threads <n>', 'threads the kernels may use (default 1): 2 or more split large products and convolutions between worker threads', intIn(1, 64), 1)
  .addHelpText('after', `
Examples:
  simdnn train --data mnist --augment                 97-98% on 2,000 held-out digits in seconds
  simdnn train --data mnist --model cnn               LeNet-style CNN, about 97.7% in 12 epochs (5 s)
  simdnn train --data houses.csv --label-column price --ignore-columns id --missing mean
                                                      regression: prices are many distinct numbers
  simdnn train --data names.txt --model lstm          a next-character model of a text file
  simdnn train --data mnist --model autoencoder --tied --noise mask:0.3 --reconstructions rec.png
  simdnn sample --model simdnn-names.simdnn --temperature 0.8
  simdnn train --data mnist --model gru               MNIST read row by row (28 steps of 28 pixels)
  simdnn evaluate --model simdnn-mnist.simdnn --data mnist
  simdnn predict --model simdnn-iris.simdnn --input flowers.csv -o predictions.csv
  simdnn explain --model simdnn-mnist.simdnn --data mnist --method fgsm --out fgsm.png`);

/** Starts the kernels, on --threads threads. */
async function start(): Promise<void> {
  const threads = program.opts().threads as number;
  const info = await init(threads > 1 ? { threads } : undefined);
  if (info.threadsUnavailable) process.stderr.write(`simdnn: warning: one thread runs: ${info.threadsUnavailable}\n`);
}

const missingOption = () => new Option('--missing <how>', 'CSV rows with an empty or NA field: drop them, or fill features with their column mean (default: an error naming the field)').choices(['drop', 'mean']);

const labelOption = () => new Option('--label-column <name|index>', 'CSV label column: a header name or a 0-based index, negative from the end (default: the last column)').argParser(labelColumn);

program
  .command('train')
  .description('train a network on mnist, iris, a CSV file or (recurrent models) a text file, show progress, report test scores and save the model')
  .requiredOption('--data <mnist|iris|file.csv|file.txt>', 'the bundled MNIST digits (8,000 train / 2,000 test), Iris, a CSV file with a header row (80 / 20 split), or with --model lstm|gru|rnn a text file (a next-character model)', parseDataSpec)
  .addOption(labelOption())
  .addOption(new Option('--task <type>', 'auto: text labels and up to 20 distinct integers are classes, other numbers are values to regress (with a warning when integers are)').choices(['auto', 'classification', 'regression']).default('auto'))
  .addOption(missingOption())
  .option('--delimiter <char>', 'CSV field separator: one character, or "tab" (default ",")', delimiterOption)
  .option('--ignore-columns <names>', 'CSV columns to leave out, by header name, e.g. id,name', columnList)
  .addOption(new Option('--model <type>', 'network type: mlp, cnn (LeNet-style, image data), a recurrent network: lstm, gru, rnn (sequences: CSV rows, MNIST rows, or the characters of a text file), or autoencoder (reconstructs the features; --hidden are the encoder widths, the last the code)').choices(['mlp', 'cnn', 'lstm', 'gru', 'rnn', 'autoencoder']).default('mlp'))
  .option('--tied', 'autoencoder: decoder kernels are the transposed encoder kernels (half the parameters)')
  .option('--noise <kind:amount>', 'autoencoder: a denoising one, trained on corrupted inputs: mask:RATE, saltpepper:RATE or gaussian:STDDEV', parseNoise)
  .option('--reconstructions <file.png>', 'autoencoder on images: write held-out samples over their reconstructions as a PNG')
  .option('--hidden <units>', 'hidden layer widths, e.g. 256 or 256,128 (default: 256 for mnist, 32 for tables; recurrent: 128 for text and mnist, 64 for CSV sequences)', widths)
  .option('--steps <n>', 'recurrent models on a CSV file: steps per row, the feature columns being steps x features (default: one feature per step)', intIn(1, 1 << 20))
  .option('--window <n>', 'next-character models: characters per training window (default 48)', intIn(2, 4096))
  .option('--dropout <rate>', 'dropout rate after each hidden layer (default: 0.25 for classification, 0 for regression)', floatIn(0, 1, { maxOpen: true }))
  .option('--epochs <n>', 'passes over the training data (default: 6 for mnist, 100 for tables)', intIn(1, 100000))
  .option('--batch-size <n>', 'rows per gradient step (default: 64 for mnist, 16 for tables)', intIn(1, 65536))
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default('adam'))
  .option('--learning-rate <lr>', 'initial learning rate (default: 0.002 for mnist, 0.01 for tables)', floatIn(0, 10, { minOpen: true }))
  .addOption(new Option('--schedule <name>', 'learning-rate schedule: cosine decay to 0 over all steps, or constant').choices(['cosine', 'constant']).default('cosine'))
  .option('--seed <n>', 'seed of the weights, shuffling, dropout and validation split', intIn(0, 4294967295), 1)
  .option('--augment', 'add four 1-pixel shifted copies of every training image (mnist only)')
  .option('--validation-split <fraction>', 'share of the training rows held out for val_ metrics (0: none)', floatIn(0, 0.5), 0.1)
  .option('-o, --out <path>', 'where to save: a file ending in .simdnn, or a directory (default: simdnn-<data>.simdnn)')
  .option('--filters <file.png>', "also write the first layer's filters as a PNG grid (image data)")
  .option('-q, --quiet', 'no progress bar or per-epoch lines')
  .action(async (opts) => {
    await start();
    await train(opts, out);
  });

program
  .command('sample')
  .description('generate text from a next-character model (trained with --model lstm|gru|rnn on a text file)')
  .requiredOption('--model <path>', 'a saved next-character model (.simdnn file or directory)', existingPath)
  .option('--memory-limit <size>', 'most wasm memory one call on the loaded model may plan, e.g. 512M or 2G (default 512M): a small file can describe huge activations', byteSize)
  .option('--length <n>', 'characters to generate', intIn(1, 1_000_000), 200)
  .option('--temperature <t>', 'below 1 sharpens the distribution, above 1 flattens it; 0 takes the most likely character', floatIn(0, 100), 0.8)
  .option('--prime <text>', 'text to continue (default: a line break)')
  .option('--seed <n>', 'seed of the draws', intIn(0, 4294967295), 1)
  .action(async (opts) => {
    await start();
    await sample(opts, out);
  });

program
  .command('evaluate')
  .description('score a saved model: the test split of mnist or iris, or every row of a CSV file')
  .requiredOption('--model <path>', 'a saved model (.simdnn file or directory)', existingPath)
  .option('--memory-limit <size>', 'most wasm memory one call on the loaded model may plan, e.g. 512M or 2G (default 512M): a small file can describe huge activations', byteSize)
  .requiredOption('--data <mnist|iris|file.csv>', 'mnist, iris, or a labelled CSV file', parseDataSpec)
  .addOption(labelOption())
  .addOption(missingOption())
  .option('--delimiter <char>', 'CSV field separator: one character, or "tab" (default ",")', delimiterOption)
  .option('--ignore-columns <names>', 'CSV columns to leave out, by header name, e.g. id,name', columnList)
  .action(async (opts) => {
    await start();
    await evaluate(opts, out);
  });

program
  .command('predict')
  .description('run a saved model on the rows of a CSV file: the predicted class and its probability, or the predicted value')
  .requiredOption('--model <path>', 'a saved model (.simdnn file or directory)', existingPath)
  .option('--memory-limit <size>', 'most wasm memory one call on the loaded model may plan, e.g. 512M or 2G (default 512M): a small file can describe huge activations', byteSize)
  .requiredOption('--input <file.csv>', 'feature rows, with or without a header row', existingPath)
  .option('-o, --output <file.csv>', 'write the predictions here instead of to stdout')
  .addOption(new Option('--label-column <name|index>', 'a column of the input to ignore (the label of a labelled file)').argParser(labelColumn))
  .action(async (opts) => {
    await start();
    await predict(opts, out);
  });

program
  .command('explain')
  .description('look inside a saved classifier: saliency maps, FGSM / PGD adversarial samples with the predictions they flip, or maximum-response inputs, drawn as a PNG')
  .requiredOption('--model <path>', 'a saved model (.simdnn file or directory)', existingPath)
  .option('--memory-limit <size>', 'most wasm memory one call on the loaded model may plan, e.g. 512M or 2G (default 512M): a small file can describe huge activations', byteSize)
  .addOption(new Option('--method <name>', 'saliency: which pixels the class score depends on; fgsm, pgd: adversarial samples; maximize: an input per class by gradient ascent').choices(EXPLAIN_METHODS).default('saliency'))
  .requiredOption('-o, --out <file.png>', 'where to write the picture')
  .option('--input <file.csv>', 'rows to explain (one input per row, with or without a header row)', existingPath)
  .addOption(new Option('--data <name>', 'or the bundled MNIST test digits (the 2,000 held out by train)').choices(['mnist']))
  .addOption(new Option('--label-column <name|index>', 'the column of --input holding the true class (fgsm, pgd: accuracy before and after)').argParser(labelColumn))
  .option('--count <n>', 'rows to explain, from the first', intIn(1, 100000), 16)
  .addOption(new Option('--saliency <map>', 'the saliency map').choices(SALIENCY_METHODS).default('gradient'))
  .option('--class <index>', 'the class to explain or maximise (default: the predicted class; maximize: every class)', intIn(0, 65535))
  .option('--epsilon <e>', 'largest change of each value (default: 0.1 for fgsm, 0.3 for pgd)', floatIn(0, 1e6, { minOpen: true }))
  .option('--steps <n>', 'pgd steps (40), maximize steps (100), integrated-gradients points (50)', intIn(1, 100000))
  .option('--step-size <a>', 'pgd step (default 2.5 epsilon / steps)', floatIn(0, 1e6, { minOpen: true }))
  .addOption(new Option('--loss <name>', 'the loss an attack ascends').choices(['crossEntropy', 'margin']).default('crossEntropy'))
  .option('--clip-min <v>', 'smallest valid input value', floatIn(-1e30, 1e30), 0)
  .option('--clip-max <v>', 'largest valid input value', floatIn(-1e30, 1e30), 1)
  .option('--seed <n>', 'seed of the random start (pgd, maximize) and noise (smoothGrad)', intIn(0, 4294967295), 0)
  .option('--l2 <lambda>', 'maximize: L2 penalty on the input, which keeps only the ink a class needs (e.g. 3)', floatIn(0, 1e6), 0)
  .option('--save-csv <file.csv>', 'also write the values drawn (maps, adversarial or synthetic inputs) as CSV rows')
  .action(async (opts) => {
    if (opts.method !== 'maximize' && !opts.input === !opts.data) {
      throw new UsageError(`--method ${opts.method} needs exactly one of --input <file.csv> or --data mnist`);
    }
    if (opts.clipMin >= opts.clipMax) throw new UsageError(`option '--clip-min' (${opts.clipMin}) must be below --clip-max (${opts.clipMax})`);
    await start();
    await explainCommand(opts, out);
  });

/** Prints one line for expected failures and sets the exit code; rethrows the unexpected. */
function fail(err: unknown): void {
  if (err instanceof CommanderError) {
    // Commander has already printed the message (or the help / version text).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof UsageError) {
    process.stderr.write(`simdnn: error: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof SimdnnError || isSystemError(err)) {
    process.stderr.write(`simdnn: error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}

// Errors from fs and friends (ENOENT, EACCES, EISDIR...) carry a code and a complete message.
function isSystemError(err: unknown): boolean {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

program.parseAsync(process.argv).catch(fail);
