import { h } from '../dom';
import type { Context } from '../main';
export async function implantView(ctx: Context): Promise<void> {
  ctx.main.append(h('h1', {}, 'implant'));
}
