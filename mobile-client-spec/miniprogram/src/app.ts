// The app: hands WeChat's privacy request (before the camera is first used) to the privacy panel
// of the page (components/privacy). Login is silent, page by page (lib ready()).
import { privacyNeeded } from './lib/index';

App({
  onLaunch() {
    if (typeof wx.onNeedPrivacyAuthorization === 'function') wx.onNeedPrivacyAuthorization((resolve) => privacyNeeded(resolve as never));
  },
});
