// calc <expression>  — evaluated by the calculator service; the reply goes to the requester only
import { LIMITS } from '../../protocol/index.ts';
import { ChatError } from '../errors.ts';
import { defineCommand } from './command.ts';

export const calc = defineCommand({
  name: 'calc',
  needsLogin: true,
  help: 'calc EXPRESSION — evaluate a math expression privately (e.g. 2^100, 5 km to mi)',
  async run(ctx, req) {
    const expr = req.expr.trim();
    if (expr === '') throw new ChatError('CALC_SYNTAX', 'the expression is empty');
    if (expr.length > LIMITS.exprMaxLength) throw new ChatError('CALC_TOO_LONG', `expressions are limited to ${LIMITS.exprMaxLength} characters`);
    const result = await ctx.core.deps.calc.evaluate(expr);
    return { expr, result };
  },
});
