export * from './messages.ts';
export * from './errors.ts';
export * from './limits.ts';
export * from './names.ts';
export * from './text.ts';
export * from './admin.ts';
export * from './moderation.ts';
export * from './files.ts';
