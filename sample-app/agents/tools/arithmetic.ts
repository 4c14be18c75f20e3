/** Thrown for an expression the calculator cannot evaluate. */
export class ArithmeticError extends Error {
  override readonly name = 'ArithmeticError';
}

/**
 * Evaluates `+ - * / ( )` over decimal numbers with the usual precedence, without `eval`
 * (the expression comes from a model). Division by zero and malformed input throw `ArithmeticError`.
 */
export function evaluateArithmetic(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/()]|\S/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const take = () => tokens[position++];

  const primary = (): number => {
    const token = take();
    if (token === '(') {
      const value = sum();
      if (take() !== ')') throw new ArithmeticError(`missing ")" in "${expression}"`);
      return value;
    }
    if (token === '-') return -primary();
    if (token !== undefined && /^\d/.test(token)) return Number(token);
    throw new ArithmeticError(`unexpected ${token === undefined ? 'end' : `"${token}"`} in "${expression}"`);
  };
  const product = (): number => {
    let value = primary();
    while (peek() === '*' || peek() === '/') {
      const op = take();
      const right = primary();
      if (op === '/' && right === 0) throw new ArithmeticError(`division by zero in "${expression}"`);
      value = op === '*' ? value * right : value / right;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (peek() === '+' || peek() === '-') value = take() === '+' ? value + product() : value - product();
    return value;
  };

  const result = sum();
  if (position !== tokens.length) throw new ArithmeticError(`unexpected "${peek()}" in "${expression}"`);
  return result;
}
