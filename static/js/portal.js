// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", function (e) {
  var box = document.querySelector(".messages") || document.createElement("ul");
  box.className = "messages";
  var li = document.createElement("li");
  li.className = "msg error";
  li.textContent = "请求失败(" + e.detail.xhr.status + "),请稍后重试。";
  box.appendChild(li);
  document.getElementById("main").prepend(box);
});
