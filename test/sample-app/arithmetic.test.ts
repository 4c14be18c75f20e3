import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArithmeticError, evaluateArithmetic } from '../../sample-app/agents/tools/arithmetic.js';

describe('sample agent calculator', () => {
  it('follows precedence and parentheses', () => {
    assert.equal(evaluateArithmetic('12 * 49 * 10'), 5880);
    assert.equal(evaluateArithmetic('2 + 3 * 4'), 14);
    assert.equal(evaluateArithmetic('(2 + 3) * 4'), 20);
    assert.equal(evaluateArithmetic('-1.5 + 10 / 4'), 1);
  });

  it('refuses anything that is not arithmetic, without evaluating it', () => {
    for (const input of ['process.exit(1)', '2 +', '(1 + 2', '1 / 0', '']) {
      assert.throws(() => evaluateArithmetic(input), ArithmeticError, input);
    }
  });
});
