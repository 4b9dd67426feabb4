import { getEventListeners, once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { createLeanAbortController, nativeAbortSignal } from './lean-abort-controller.js';

describe('createLeanAbortController', () => {
  it('aborts once, with the first reason, calling each listener and onabort once', () => {
    const controller = createLeanAbortController();
    const listener = vi.fn();
    const onabort = vi.fn();
    controller.signal.addEventListener('abort', listener);
    controller.signal.onabort = onabort;
    expect(controller.signal.aborted).toBe(false);
    const reason = new Error('client left');
    controller.abort(reason);
    controller.abort(new Error('second'));
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe(reason);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]?.[0]).toMatchObject({ type: 'abort' });
    expect(onabort).toHaveBeenCalledTimes(1);
  });

  it('defaults the reason to an AbortError, as AbortController does', () => {
    const controller = createLeanAbortController();
    controller.abort();
    expect(controller.signal.reason).toBeInstanceOf(DOMException);
    expect((controller.signal.reason as DOMException).name).toBe('AbortError');
  });

  it('drops once listeners after they fire and removed listeners before', () => {
    const controller = createLeanAbortController();
    const removed = vi.fn();
    const kept = vi.fn();
    controller.signal.addEventListener('abort', removed, { once: true });
    controller.signal.addEventListener('abort', kept, { once: true });
    controller.signal.removeEventListener('abort', removed);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort(new Error('bye'));
    expect(removed).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('throws its reason from throwIfAborted only once aborted', () => {
    const controller = createLeanAbortController();
    expect(() => controller.signal.throwIfAborted()).not.toThrow();
    const reason = new Error('stop');
    controller.abort(reason);
    expect(() => controller.signal.throwIfAborted()).toThrow(reason);
  });

  it("is accepted by Node's signal-taking APIs, which stop when it aborts", async () => {
    const controller = createLeanAbortController();
    const waiting = delay(60_000, undefined, { signal: controller.signal });
    const heard = once(controller.signal as unknown as EventTarget, 'abort');
    controller.abort(new Error('enough'));
    await expect(waiting).rejects.toThrow();
    await expect(heard).resolves.toHaveLength(1);
  });

  it('is not a native AbortSignal', () => {
    expect(createLeanAbortController().signal instanceof AbortSignal).toBe(false);
  });
});

describe('nativeAbortSignal', () => {
  it('returns a native signal unchanged', () => {
    const signal = new AbortController().signal;
    expect(nativeAbortSignal(signal)).toBe(signal);
  });

  it('gives a native signal that aborts with the lean one, which AbortSignal.any hears', () => {
    const controller = createLeanAbortController();
    const native = nativeAbortSignal(controller.signal);
    expect(native).toBeInstanceOf(AbortSignal);
    const combined = AbortSignal.any([native, new AbortController().signal]);
    expect(combined.aborted).toBe(false);
    const reason = new Error('client left');
    controller.abort(reason);
    expect(native.reason).toBe(reason);
    expect(combined.aborted).toBe(true);
    expect(combined.reason).toBe(reason);
  });

  it('gives an aborted native signal for an already aborted lean one', () => {
    const controller = createLeanAbortController();
    const reason = new Error('gone');
    controller.abort(reason);
    const native = nativeAbortSignal(controller.signal);
    expect(native.aborted).toBe(true);
    expect(native.reason).toBe(reason);
  });
});
