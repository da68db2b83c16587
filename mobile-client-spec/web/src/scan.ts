// The QR scanner, loaded only when a "扫码" button is tapped (it stays out of the first load):
// the camera through BarcodeDetector where the browser has it, otherwise jsQR on video frames;
// a photo of the code (file input) works without a live camera. Typing stays as the fallback.
import jsQR from 'jsqr';
import { h } from './ui';

interface Detector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
declare const BarcodeDetector: { new (o: { formats: string[] }): Detector } | undefined;

function decodeCanvas(canvas: HTMLCanvasElement): string | null {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(img.data, img.width, img.height)?.data ?? null;
}

async function decode(source: HTMLVideoElement | ImageBitmap, w: number, h2: number): Promise<string | null> {
  if (typeof BarcodeDetector !== 'undefined') {
    try {
      const found = await new BarcodeDetector({ formats: ['qr_code'] }).detect(source);
      if (found[0]) return found[0].rawValue;
    } catch { /* fall back to jsQR */ }
  }
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h2;
  canvas.getContext('2d')?.drawImage(source, 0, 0, w, h2);
  return decodeCanvas(canvas);
}

/** Decode a QR code in an image file (a photo of the card). */
export async function decodeFile(file: Blob): Promise<string | null> {
  // An ImageBitmap, not an <img> of a blob: URL (the app's CSP allows images only from itself).
  const bitmap = await createImageBitmap(file);
  try {
    return await decode(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** Show the scanner in `slot`; resolves with the code's text, or null when the resident gives up. */
export function scan(slot: HTMLElement): Promise<string | null> {
  return new Promise((resolve) => {
    let stream: MediaStream | null = null;
    let done = false;
    const status = h('p', { role: 'status' }, '请把二维码放在框内');
    const finish = (text: string | null) => {
      if (done) return;
      done = true;
      stream?.getTracks().forEach((t) => t.stop());
      slot.replaceChildren();
      resolve(text);
    };
    const file = h('input', { type: 'file', accept: 'image/*', id: 'scan-file', 'aria-label': '拍照或选择二维码照片' });
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (!f) return;
      const unreadable = '照片里没有找到二维码，请再拍一张，或手动输入';
      decodeFile(f).then((text) => (text ? finish(text) : (status.textContent = unreadable)), () => (status.textContent = unreadable));
    });
    const video = h('video', { playsinline: true, muted: true, 'aria-hidden': 'true' });
    slot.replaceChildren(h('div', { class: 'card' }, status, video,
      h('label', { for: 'scan-file' }, '相机打不开？拍照或选择二维码照片'), file,
      h('button', { type: 'button', class: 'btn link', onclick: () => finish(null) }, '不扫了，手动输入')));
    const media = navigator.mediaDevices as MediaDevices | undefined;
    if (!media?.getUserMedia) {
      video.remove();
      status.textContent = '这个浏览器不能直接打开相机，请拍照选择二维码，或手动输入';
      return;
    }
    media.getUserMedia({ video: { facingMode: 'environment' } }).then(async (s) => {
      stream = s;
      video.srcObject = s;
      await video.play();
      const tick = async () => {
        if (done || !slot.isConnected) return finish(null);
        if (video.videoWidth) {
          const text = await decode(video, video.videoWidth, video.videoHeight);
          if (text) return finish(text);
        }
        setTimeout(() => void tick(), 300);
      };
      void tick();
    }, () => {
      video.remove();
      status.textContent = '没有相机权限，请拍照选择二维码，或手动输入';
    });
  });
}
