// Preloaded by spawnNode (`node --import tsx --import <this file> fixture.ts`), so every fixture is
// bound to its test without a line of its own.
import { bindFixtureLifetime } from './fixture.js';

bindFixtureLifetime();
