/** Lua sources imported as text (`import source from './lua/take-2.lua?raw'`). */
declare module '*.lua?raw' {
  const source: string;
  export default source;
}
