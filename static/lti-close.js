// Tells the platform that opened the Dynamic Registration (in a window or
// an iframe) that it is over and the window may close (LTI DR 1.0 section
// 3.7). A script file, because the pages' policy allows no inline script.
(window.opener || window.parent).postMessage({subject:'org.imsglobal.lti.close'}, '*');
