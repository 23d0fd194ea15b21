// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", function (e) {
  var box = document.querySelector(".messages") || document.createElement("ul");
  box.className = "messages";
  var li = document.createElement("li");
  li.className = "msg error";
  var text = document.body.getAttribute("data-msg-request-failed") || "请求失败,请稍后重试。";
  li.textContent = text + " (HTTP " + e.detail.xhr.status + ")";
  box.appendChild(li);
  document.getElementById("main").prepend(box);
});
