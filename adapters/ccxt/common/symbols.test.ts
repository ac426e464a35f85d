import { expect, test } from 'vitest';
import { closestSymbols } from './symbols.js';

test('closestSymbols: fewest edits first, the same quote before another, then alphabetical', () => {
  const listed = ['BTC/USDT', 'ETH/USDT', 'ETH/BTC', 'SOL/USDT', 'BTC/USDC', 'DOGE/USDT'];
  expect(closestSymbols('BTC/USTD', listed)).toEqual(['BTC/USDT', 'BTC/USDC', 'ETH/USDT']);
  expect(closestSymbols('ETH/BTX', listed, 1)).toEqual(['ETH/BTC']);
  expect(closestSymbols('FOO/USDT', ['ETH/USDT', 'BTC/USDT'])).toEqual(['BTC/USDT', 'ETH/USDT']);
  expect(closestSymbols('FOO/USDT', [])).toEqual([]);
});
