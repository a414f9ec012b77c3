export { JsonnetError } from './errors';
export { applyOverrides, type OverrideContext } from './overrides';
export { renderMixin, type MixinInput } from './mixin';
