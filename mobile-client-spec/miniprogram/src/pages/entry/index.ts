// The first page: opening from a scanned card or pile sticker (a path with `card`/`check_code`,
// `socket`, `activity`, or a plain QR's URL in `q`) goes to the page it is for; otherwise 充电.
import { entryFor } from '../../lib/index';

Component({
  data: { text: '正在打开…' },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const url = entryFor(query);
      if (url) void wx.redirectTo({ url });
      else void wx.switchTab({ url: '/pages/charging/index' });
    },
  },
});
